import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class VolumePruneCommand extends BaseCommand {
  static override paths = [[`volume`, `prune`]];
  static override usage = Command.Usage({
    description: `Remove all unused volumes`,
    examples: [[`Remove unused volumes`, `$0 volume prune -f`]],
  });

  force = Option.Boolean(`-f,--force`, false, {description: `Do not prompt for confirmation`});

  async execute() {
    const r = await this.engine.pruneVolumes();
    for (const n of r.removed) this.out(n);
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class VolumeRmCommand extends BaseCommand {
  static override paths = [[`volume`, `rm`], [`volume`, `remove`]];
  static override usage = Command.Usage({
    description: `Remove one or more volumes`,
    examples: [[`Remove a volume`, `$0 volume rm data`]],
  });

  force = Option.Boolean(`-f,--force`, false, {description: `Remove the containers that use the volume too`});
  names = Option.Rest({name: `VOLUME`, required: 1});

  async execute() {
    const r = await this.engine.removeVolumes({names: this.names, force: this.force});
    for (const n of r.removed) this.out(n);
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {printErrors, removalExitCode} from '../../batch';
import {TspodError} from '../../../engine/errors';

export default class VolumeRmCommand extends BaseCommand {
  static override paths = [[`volume`, `rm`], [`volume`, `remove`]];
  static override usage = Command.Usage({
    description: `Remove one or more volumes`,
    details: `Exits 1 when a volume does not exist, 2 when one is in use, as podman does.`,
    examples: [[`Remove a volume`, `$0 volume rm data`], [`Remove every volume`, `$0 volume rm --all`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Remove all volumes`});
  force = Option.Boolean(`-f,--force`, false, {description: `Remove the containers that use the volume too; a volume that does not exist is no error`});
  names = Option.Rest({name: `VOLUME`});

  async execute() {
    if (this.all === (this.names.length > 0))
      throw new TspodError(`InvalidArgument`, this.all ? `when using the --all flag, no volume names may be given` : `choose either one or more volumes or all`);
    const r = await this.engine.removeVolumes({names: this.names, all: this.all, force: this.force});
    for (const n of r.removed) this.out(n);
    printErrors(this.context.stderr, r.errors);
    return removalExitCode(r.errors);
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {TspodError} from '../../../engine/errors';

/**
 * podman's `system migrate` restarts its rootless pause process so that a changed
 * /etc/subuid or /etc/subgid takes effect, and moves containers to a new runtime. tspod
 * has no long-lived process to restart (each container maps the ranges of its own start)
 * and records no runtime to change: it succeeds with nothing to do, as scripts expect.
 */
export default class SystemMigrateCommand extends BaseCommand {
  static override paths = [[`system`, `migrate`]];
  static override usage = Command.Usage({
    description: `Migrate containers`,
    details: `Nothing to do for tspod: there is no pause process holding old id mappings (a container started after /etc/subuid changed gets the new ranges), and containers record no runtime to move. It exits 0, as podman's does after its work.`,
    examples: [[`After editing /etc/subuid`, `$0 system migrate`]],
  });

  newRuntime = Option.String(`--new-runtime`, {description: `Specify a new runtime for all containers (tspod: refused, see above)`});

  async execute() {
    if (this.newRuntime !== undefined)
      throw new TspodError(`Unsupported`, `--new-runtime is not supported: a tspod container runs with the runtime chosen for each start (--runtime, containers.conf)`, {hint: `drop --new-runtime: a container keeps no runtime of its own to move`});
    return 0;
  }
}

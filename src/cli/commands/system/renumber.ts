import {Command} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

/** podman's `system renumber` reassigns its lock numbers; tspod locks by container id and has none to renumber. */
export default class SystemRenumberCommand extends BaseCommand {
  static override paths = [[`system`, `renumber`]];
  static override usage = Command.Usage({
    description: `Migrate lock numbers`,
    details: `Nothing to do for tspod: its locks are files named by container id, not numbered slots. It exits 0, as podman's does after its work.`,
    examples: [[`Renumber`, `$0 system renumber`]],
  });

  async execute() {
    return 0;
  }
}

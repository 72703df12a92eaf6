import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class ContainerCleanupCommand extends BaseCommand {
  static override paths = [[`container`, `cleanup`]];
  static override usage = Command.Usage({
    description: `Clean up after a container exited (run by its monitor)`,
    details: `Records the final state and removes a container created with --rm. Quiet; a missing container is not an error.`,
    examples: [[`Cleanup`, `$0 container cleanup web`]],
  });

  container = Option.String({name: `CONTAINER`});

  async execute() {
    await this.engine.cleanupContainer({container: this.container});
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class ContainerExistsCommand extends BaseCommand {
  static override paths = [[`container`, `exists`]];
  static override usage = Command.Usage({
    description: `Check if a container exists in local storage`,
    details: `Exit status 0 when it exists, 1 when it does not, 125 on an error.`,
    examples: [[`Check`, `$0 container exists web`]],
  });

  container = Option.String({name: `CONTAINER`});

  async execute() {
    return (await this.engine.containerExists({container: this.container})) ? 0 : 1;
  }
}

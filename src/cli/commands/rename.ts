import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

export default class RenameCommand extends BaseCommand {
  static override paths = [[`rename`], [`container`, `rename`]];
  static override usage = Command.Usage({
    description: `Rename an existing container`,
    examples: [[`Rename`, `$0 rename web web-old`]],
  });

  container = Option.String({name: `CONTAINER`});
  name = Option.String({name: `NAME`});

  async execute() {
    await this.engine.renameContainer({container: this.container, name: this.name});
    return 0;
  }
}

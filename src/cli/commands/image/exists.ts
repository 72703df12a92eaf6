import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class ImageExistsCommand extends BaseCommand {
  static override paths = [[`image`, `exists`]];
  static override usage = Command.Usage({
    description: `Check if an image exists in local storage`,
    details: `Exits 0 when the image is in local storage, 1 when it is not, 125 on other errors.`,
    examples: [[`Check for alpine`, `$0 image exists alpine`]],
  });

  image = Option.String({name: `image`});

  async execute() {
    return (await this.engine.imageExists({image: this.image})) ? 0 : 1;
  }
}

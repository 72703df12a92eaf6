import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

export default class UntagCommand extends BaseCommand {
  static override paths = [[`untag`], [`image`, `untag`]];
  static override usage = Command.Usage({
    description: `Remove a name from a local image`,
    details: `Without names, removes every name of the image; the image itself stays.`,
    examples: [[`Remove one name`, `$0 untag myalpine:v1`], [`Remove all names`, `$0 untag 9cfcd3d5b2c6`]],
  });

  image = Option.String({name: `image`});
  names = Option.Rest({name: `name`});

  async execute() {
    await this.engine.untagImage({image: this.image, names: this.names});
    return 0;
  }
}

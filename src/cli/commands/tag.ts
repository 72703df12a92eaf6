import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

export default class TagCommand extends BaseCommand {
  static override paths = [[`tag`], [`image`, `tag`]];
  static override usage = Command.Usage({
    description: `Add an additional name to a local image`,
    details: `Names without a registry get localhost/ (as podman does); a name without a tag gets :latest. A name taken by another image moves to this one.`,
    examples: [[`Tag an image`, `$0 tag alpine myalpine:v1`]],
  });

  image = Option.String({name: `image`});
  names = Option.Rest({required: 1, name: `target-name`});

  async execute() {
    await this.engine.tagImage({image: this.image, names: this.names});
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {isTspodError} from '../../engine/errors';
import {printErrors} from '../batch';

export default class RmiCommand extends BaseCommand {
  static override paths = [[`rmi`], [`image`, `rm`]];
  static override usage = Command.Usage({
    description: `Remove one or more images from local storage`,
    details: `Removing a name that other names share only untags it. An image a container uses is refused unless --force, which removes those containers too. Exits 1 when an image is not known, as podman does.`,
    examples: [[`Remove an image`, `$0 rmi alpine`], [`Remove all images`, `$0 rmi -a`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Remove all images`});
  force = Option.Boolean(`-f,--force`, false, {description: `Force removal of the image and any containers using it`});
  ignore = Option.Boolean(`-i,--ignore`, false, {description: `Ignore errors if a specified image does not exist`});
  noPrune = Option.Boolean(`--no-prune`, false, {description: `Do not remove dangling parent images (tspod's images have no parent images: nothing else is removed either way)`});
  images = Option.Rest({name: `image`});

  async execute() {
    // podman: with --force an image that does not exist is no error.
    const report = await this.engine.removeImages({images: this.images, all: this.all, force: this.force, ignore: this.ignore || this.force});
    for (const u of report.untagged) this.out(`Untagged: ${u}`);
    for (const d of report.deleted) this.out(`Deleted: ${d}`);
    printErrors(this.context.stderr, report.errors);
    if (report.errors.length === 0) return 0;
    // podman: 1 when an image was not known (and nothing else failed), 2 when in use, else 125.
    if (report.errors.every(e => isTspodError(e, `NoSuchImage`))) return 1;
    if (report.errors.some(e => isTspodError(e, `ImageInUse`))) return 2;
    return 125;
  }
}

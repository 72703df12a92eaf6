import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {withArchiveOutput} from '../archiveOutput';

export default class SaveCommand extends BaseCommand {
  static override paths = [[`save`], [`image`, `save`]];
  static override usage = Command.Usage({
    description: `Save image(s) to an archive`,
    details: `Writes a docker-archive (default) or oci-archive to stdout or to the file given with -o. Several different images need -m.`,
    examples: [[`Save to a file`, `$0 save -o alpine.tar alpine`], [`Two images in one archive`, `$0 save -m -o both.tar alpine busybox`]],
  });

  output = Option.String(`-o,--output`, {description: `Write to a specified file (default: stdout, which must be redirected)`});
  format = Option.String(`--format`, {description: `Save image to docker-archive or oci-archive`});
  multi = Option.Boolean(`-m,--multi-image-archive`, false, {description: `Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Suppress the output`});
  compress = Option.Boolean(`--compress`, false, {description: `Compress tarball image layers (accepted; layers are written uncompressed)`});
  images = Option.Rest({name: `IMAGE`});

  async execute() {
    await withArchiveOutput(this.output, this.context.stdout, out => this.engine.saveImages({images: this.images, format: this.format, multiImage: this.multi, output: out}));
    return 0;
  }
}

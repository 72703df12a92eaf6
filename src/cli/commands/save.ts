import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {withArchiveOutput} from '../archiveOutput';

const DIR_FORMATS = [`oci-dir`, `docker-dir`];

export default class SaveCommand extends BaseCommand {
  static override paths = [[`save`], [`image`, `save`]];
  static override usage = Command.Usage({
    description: `Save image(s) to an archive or a directory`,
    details: `Writes a docker-archive (default) or oci-archive to stdout or to the file given with -o; several different images need -m. --format oci-dir (an OCI image layout) and docker-dir (the dir: format) write one image into the directory given with -o, which must not exist or be empty; --compress (docker-dir only) keeps the layers gzip-compressed.`,
    examples: [
      [`Save to a file`, `$0 save -o alpine.tar alpine`],
      [`Two images in one archive`, `$0 save -m -o both.tar alpine busybox`],
      [`Save as an OCI image layout directory`, `$0 save --format oci-dir -o alpine.oci alpine`],
    ],
  });

  output = Option.String(`-o,--output`, {description: `Write to a specified file or, for oci-dir and docker-dir, directory (default: stdout, which must be redirected)`});
  format = Option.String(`--format`, {description: `Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive, docker-dir (directory with v2s2 manifest type)`});
  multi = Option.Boolean(`-m,--multi-image-archive`, false, {description: `Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Suppress the output`});
  compress = Option.Boolean(`--compress`, false, {description: `Compress tarball image layers when saving to a directory using the 'dir' transport (docker-dir only)`});
  images = Option.Rest({name: `IMAGE`});

  async execute() {
    const opts = {images: this.images, format: this.format, multiImage: this.multi, compress: this.compress, outputPath: this.output};
    if (this.format !== undefined && DIR_FORMATS.includes(this.format)) await this.engine.saveImages({...opts, directory: this.output});
    else await withArchiveOutput(this.output, this.context.stdout, async out => { await this.engine.saveImages({...opts, output: out}); });
    return 0;
  }
}

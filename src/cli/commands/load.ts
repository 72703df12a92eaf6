import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

export default class LoadCommand extends BaseCommand {
  static override paths = [[`load`], [`image`, `load`]];
  static override usage = Command.Usage({
    description: `Load image(s) from a tar archive or an image directory`,
    details: `Reads a docker-archive or oci-archive (optionally gzip-compressed) from -i FILE or stdin, or with -i DIR an OCI image layout (named localhost/DIR, as podman names it) or a dir: image (unnamed), as save --format oci-dir or docker-dir write them. Every digest is checked; a truncated or malformed source changes nothing.`,
    examples: [[`Load from a file`, `$0 load -i alpine.tar`]],
  });

  input = Option.String(`-i,--input`, {description: `Read from specified archive file or image directory (default: stdin)`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Suppress the output`});

  async execute() {
    const r = await this.engine.loadImages({file: this.input, input: this.context.stdin as never});
    for (const img of r) {
      if (img.names.length === 0) this.out(`Loaded image: sha256:${img.id}`);
      else for (const n of img.names) this.out(`Loaded image: ${n}`);
    }
    return 0;
  }
}

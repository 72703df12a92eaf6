import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

export default class ImportCommand extends BaseCommand {
  static override paths = [[`import`], [`image`, `import`]];
  static override usage = Command.Usage({
    description: `Import a tarball to create a filesystem image`,
    details: `The tarball (plain or gzip-compressed, or - for stdin) becomes the one layer of a new image. --change applies Dockerfile instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR) to its config.`,
    examples: [[`Import with a command`, `$0 import --change 'CMD ["/bin/sh"]' rootfs.tar.gz myimage`]],
  });

  change = Option.Array(`-c,--change`, [], {description: `Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR`});
  message = Option.String(`-m,--message`, {description: `Set commit message for imported image`});
  arch = Option.String(`--arch`, {description: `Set the architecture of the imported image`});
  os = Option.String(`--os`, {description: `Set the OS of the imported image`});
  variant = Option.String(`--variant`, {description: `Set the variant of the imported image`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Suppress output`});
  source = Option.String({name: `TARBALL`});
  reference = Option.String({name: `REFERENCE`, required: false});

  async execute() {
    const r = await this.engine.importImage({
      source: this.source,
      input: this.context.stdin,
      reference: this.reference,
      changes: this.change,
      message: this.message,
      arch: this.arch,
      os: this.os,
      variant: this.variant,
    });
    this.out(`sha256:${r.id}`); // podman prints the image ID so
    return 0;
  }
}

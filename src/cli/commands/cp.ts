import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

export default class CpCommand extends BaseCommand {
  static override paths = [[`cp`], [`container`, `cp`]];
  static override usage = Command.Usage({
    description: `Copy files/folders between a container and the local filesystem`,
    details: `One of SRC and DEST is CONTAINER:PATH. A SRC of - reads a tar archive from stdin into the container; a DEST of - writes one to stdout. Symbolic links are copied as links; nothing outside the container's root is read or written.`,
    examples: [[`Copy out`, `$0 cp web:/etc/os-release .`], [`Copy in`, `$0 cp ./app.conf web:/etc/app.conf`]],
  });

  archive = Option.Boolean(`-a,--archive`, true, {description: `Chown copied files to the primary uid/gid of the destination container (--archive=false keeps the archive's owners)`});
  overwrite = Option.Boolean(`--overwrite`, false, {description: `Allow to overwrite directories with non-directories and vice versa`});
  source = Option.String({name: `SRC`});
  destination = Option.String({name: `DEST`});

  async execute() {
    await this.engine.copy({source: this.source, destination: this.destination, input: this.context.stdin, output: this.context.stdout, archive: this.archive, overwrite: this.overwrite});
    return 0;
  }
}

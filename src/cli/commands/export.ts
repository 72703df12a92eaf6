import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {withArchiveOutput} from '../archiveOutput';

export default class ExportCommand extends BaseCommand {
  static override paths = [[`export`], [`container`, `export`]];
  static override usage = Command.Usage({
    description: `Export a container's filesystem contents as a tar archive`,
    details: `Writes the container's root file system, with the owners the container sees, to stdout or to the file given with -o.`,
    examples: [[`Export to a file`, `$0 export -o rootfs.tar web`]],
  });

  output = Option.String(`-o,--output`, {description: `Write to a specified file (default: stdout, which must be redirected)`});
  container = Option.String({name: `CONTAINER`});

  async execute() {
    await withArchiveOutput(this.output, this.context.stdout, out => this.engine.exportContainer({container: this.container, output: out}));
    return 0;
  }
}

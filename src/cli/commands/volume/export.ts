import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {withArchiveOutput} from '../../archiveOutput';

export default class VolumeExportCommand extends BaseCommand {
  static override paths = [[`volume`, `export`]];
  static override usage = Command.Usage({
    description: `Export volumes`,
    details: `Writes the volume's files, with the owners containers see, as a tar to stdout or to the file given with -o.`,
    examples: [[`Export to a file`, `$0 volume export -o data.tar data`]],
  });

  output = Option.String(`-o,--output`, {description: `Write to a specified file (default: stdout, which must be redirected)`});
  volume = Option.String({name: `VOLUME`});

  async execute() {
    await withArchiveOutput(this.output, this.context.stdout, out => this.engine.exportVolume({name: this.volume, output: out}));
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {renderInspect} from '../../inspectFormat';

export default class VolumeInspectCommand extends BaseCommand {
  static override paths = [[`volume`, `inspect`]];
  static override usage = Command.Usage({
    description: `Display detailed information on one or more volumes`,
    examples: [[`Inspect a volume`, `$0 volume inspect data`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Inspect all volumes`});
  format = Option.String(`-f,--format`, {description: `Output format (json is the default)`});
  names = Option.Rest({name: `VOLUME`});

  async execute() {
    const vols = await this.engine.inspectVolumes({names: this.names, all: this.all});
    if (this.format === undefined || this.format === `json` || this.format === `{{json .}}`) this.json(vols);
    else for (const line of renderInspect(this.format, vols, `fields: Name, Driver, Mountpoint, CreatedAt, Labels, Scope, Options, MountCount, NeedsCopyUp, NeedsChown, Anonymous`)) this.out(line);
    return 0;
  }
}

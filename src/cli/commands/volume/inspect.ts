import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {renderInspect} from '../../inspectFormat';
import {reportBatch} from '../../batch';

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
    // Named ones as podman's: those found, then an error for each missing one (inspectAny).
    const r = this.all ? {found: await this.engine.inspectVolumes({names: [], all: true}), errors: []} : await this.engine.inspectAny({names: this.names, type: `volume`});
    const vols = r.found;
    if (this.format === undefined || this.format === `json` || this.format === `{{json .}}`) this.json(vols);
    else for (const line of renderInspect(this.format, vols, `fields: Name, Driver, Mountpoint, CreatedAt, Labels, Scope, Options, MountCount, NeedsCopyUp, NeedsChown, Anonymous`)) this.out(line);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

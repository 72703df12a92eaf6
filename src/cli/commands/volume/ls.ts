import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {formatRows} from '../../templateRows';

export default class VolumeLsCommand extends BaseCommand {
  static override paths = [[`volume`, `ls`], [`volume`, `list`]];
  static override usage = Command.Usage({
    description: `List volumes`,
    examples: [[`List volumes`, `$0 volume ls`], [`As JSON`, `$0 volume ls --format json`], [`Unused ones`, `$0 volume ls --filter dangling=true`]],
  });

  format = Option.String(`-f,--format`, {description: `Format volume output: json, or a Go template ({{.Name}} {{.Driver}} {{.Mountpoint}} {{.Labels}})`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Print volume names only`});
  filter = Option.Array(`--filter`, [], {description: `Filter volume output: name=, label=KEY[=VALUE], driver=local, dangling=true|false`});
  noheading = Option.Boolean(`-n,--noheading`, false, {description: `Do not print headers`});

  async execute() {
    const vols = await this.engine.listVolumes({filters: this.filter});
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.json(vols);
    } else if (this.quiet) {
      for (const v of vols) this.out(v.Name);
    } else if (this.format !== undefined) {
      const rows = formatRows(this.format, vols, {Name: `VOLUME NAME`});
      if (vols.length > 0 || this.format.startsWith(`table`)) this.out(this.noheading && this.format.startsWith(`table`) ? rows.split(`\n`).slice(1).join(`\n`) : rows);
    } else {
      const lines = [...(this.noheading ? [] : [`DRIVER      VOLUME NAME`]), ...vols.map(v => `${v.Driver.padEnd(12)}${v.Name}`)];
      this.out(lines.join(`\n`));
    }
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {humanSizeGo, table} from '../../humanize';
import {formatRows} from '../../templateRows';

export default class SystemDfCommand extends BaseCommand {
  static override paths = [[`system`, `df`]];
  static override usage = Command.Usage({
    description: `Show tspod disk usage`,
    details: `Images, containers (their writable layers) and local volumes: how many, how many in use, their size, and what pruning the unused ones would give back.`,
    examples: [[`Disk usage`, `$0 system df`], [`As JSON`, `$0 system df --format json`]],
  });

  format = Option.String(`--format`, {description: `Format the output: json, or a Go template ({{.Type}} {{.Total}} {{.Active}} {{.Size}} {{.Reclaimable}})`});

  async execute() {
    const rows = await this.engine.systemDf();
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.json(rows.map(r => ({...r, RawSize: r.Size, RawReclaimable: r.Reclaimable, Size: humanSizeGo(r.Size), Reclaimable: reclaimable(r.Reclaimable, r.Size)})));
      return 0;
    }
    // podman's words: go-units sizes (`8.091MB`), the share reclaimable in parentheses.
    const shown = rows.map(r => ({Type: r.Type, Total: String(r.Total), Active: String(r.Active), Size: humanSizeGo(r.Size), Reclaimable: reclaimable(r.Reclaimable, r.Size)}));
    if (this.format !== undefined) {
      this.out(formatRows(this.format, shown, {Type: `TYPE`, Total: `TOTAL`, Active: `ACTIVE`, Size: `SIZE`, Reclaimable: `RECLAIMABLE`}));
      return 0;
    }
    this.out(table([`TYPE`, `TOTAL`, `ACTIVE`, `SIZE`, `RECLAIMABLE`], shown.map(r => [r.Type, r.Total, r.Active, r.Size, r.Reclaimable])));
    return 0;
  }
}

function reclaimable(bytes: number, of: number): string {
  return `${humanSizeGo(bytes)} (${of === 0 ? 0 : Math.round(100 * bytes / of)}%)`;
}

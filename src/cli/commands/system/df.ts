import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {humanSize, table} from '../../humanize';

export default class SystemDfCommand extends BaseCommand {
  static override paths = [[`system`, `df`]];
  static override usage = Command.Usage({
    description: `Show tspod disk usage`,
    details: `Images, containers (their writable layers) and local volumes: how many, how many in use, their size, and what pruning the unused ones would give back.`,
    examples: [[`Disk usage`, `$0 system df`], [`As JSON`, `$0 system df --format json`]],
  });

  format = Option.String(`--format`, {description: `Print as JSON (json)`});

  async execute() {
    const rows = await this.engine.systemDf();
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.json(rows.map(r => ({...r, RawSize: r.Size, RawReclaimable: r.Reclaimable, Size: humanSize(r.Size), Reclaimable: reclaimable(r.Reclaimable, r.Size)})));
      return 0;
    }
    this.out(table([`TYPE`, `TOTAL`, `ACTIVE`, `SIZE`, `RECLAIMABLE`],
      rows.map(r => [r.Type, String(r.Total), String(r.Active), humanSize(r.Size), reclaimable(r.Reclaimable, r.Size)])));
    return 0;
  }
}

function reclaimable(bytes: number, of: number): string {
  return `${humanSize(bytes)} (${of === 0 ? 0 : Math.round(100 * bytes / of)}%)`;
}

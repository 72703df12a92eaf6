import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {humanDuration, humanSizeGo, table} from '../../humanize';
import type {DfVerbose} from '../../../engine/verbs/systemDf';
import {formatRows} from '../../templateRows';

export default class SystemDfCommand extends BaseCommand {
  static override paths = [[`system`, `df`]];
  static override usage = Command.Usage({
    description: `Show tspod disk usage`,
    details: `Images, containers (their writable layers) and local volumes: how many, how many in use, their size, and what pruning the unused ones would give back.`,
    examples: [[`Disk usage`, `$0 system df`], [`Each image, container and volume`, `$0 system df -v`], [`As JSON`, `$0 system df --format json`]],
  });

  format = Option.String(`--format`, {description: `Format the output: json, or a Go template ({{.Type}} {{.Total}} {{.Active}} {{.Size}} {{.Reclaimable}})`});
  verbose = Option.Boolean(`-v,--verbose`, false, {description: `Show detailed information on disk usage (each image, container and volume; --format is ignored, as podman's)`});

  async execute() {
    if (this.verbose) {
      this.out(verboseText(await this.engine.systemDfVerbose()));
      return 0;
    }
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

/** podman's three sections: go-units sizes, ages without "ago", 12-character IDs. */
function verboseText(d: DfVerbose, now = Date.now()): string {
  const age = (unixSeconds: number) => humanDuration(Math.max(0, now - unixSeconds * 1000));
  const short = (id: string) => id.slice(0, 12);
  return [
    `Images space usage:`, ``,
    table([`REPOSITORY`, `TAG`, `IMAGE ID`, `CREATED`, `SIZE`, `SHARED SIZE`, `UNIQUE SIZE`, `CONTAINERS`],
      d.images.map(i => [i.Repository, i.Tag, short(i.ImageID), age(i.Created), humanSizeGo(i.Size), humanSizeGo(i.SharedSize), humanSizeGo(i.UniqueSize), String(i.Containers)])),
    ``, `Containers space usage:`, ``,
    table([`CONTAINER ID`, `IMAGE`, `COMMAND`, `LOCAL VOLUMES`, `SIZE`, `CREATED`, `STATUS`, `NAMES`],
      d.containers.map(c => [short(c.ContainerID), short(c.Image), c.Command.join(` `), String(c.LocalVolumes), humanSizeGo(c.Size), age(c.Created), c.Status, c.Names])),
    ``, `Local Volumes space usage:`, ``,
    table([`VOLUME NAME`, `LINKS`, `SIZE`], d.volumes.map(v => [v.VolumeName, String(v.Links), humanSizeGo(v.Size)])),
  ].join(`\n`);
}

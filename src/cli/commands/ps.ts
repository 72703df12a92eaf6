import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {humanSizeCompact, table, timeAgo} from '../humanize';
import {formatRows} from '../templateRows';
import type {PsEntry} from '../../engine/verbs/ps';
import {portsColumn} from '../../network/ports';
import {TspodError} from '../../engine/errors';

export default class PsCommand extends BaseCommand {
  static override paths = [[`ps`], [`container`, `ps`], [`container`, `ls`], [`container`, `list`]];
  static override usage = Command.Usage({
    description: `List containers`,
    details: `Lists running containers, or all with -a. The state of every container is checked against its monitor, so a container whose monitor died shows as exited.`,
    examples: [[`All containers`, `$0 ps -a`], [`As JSON`, `$0 ps -a --format json`], [`Only ids of exited ones`, `$0 ps -aq --filter status=exited`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Show all the containers, default is only running containers`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Print the numeric IDs of the containers only`});
  noTrunc = Option.Boolean(`--no-trunc`, false, {description: `Display the extended information`});
  filter = Option.Array(`-f,--filter`, [], {description: `Filter output based on conditions given (name, id, status, ancestor, label, exited, pod)`});
  size = Option.Boolean(`-s,--size`, false, {description: `Display the total file sizes`});
  last = Option.String(`-n,--last`, {description: `Print the n last created containers (includes all states)`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  format = Option.String(`--format`, {description: `Pretty-print containers to JSON or using a Go template`});
  noheading = Option.Boolean(`--noheading`, false, {description: `Do not print headers`});
  sort = Option.String(`--sort`, `created`, {description: `Sort output by: command, created, id, image, names, runningfor, size, status`});
  pod = Option.Boolean(`-p,--pod`, false, {description: `Print the ID and name of the pod the containers are associated with`});
  ns = Option.Boolean(`--ns`, false, {description: `Display namespace information (the inode number of each)`});
  external = Option.Boolean(`--external`, false, {description: `Show containers not made by tspod (there are none: every container in tspod's store is its own)`});
  sync = Option.Boolean(`--sync`, false, {description: `Sync container state with the runtime (tspod always does: each state is checked against its monitor)`});

  async execute() {
    const last = this.latest ? 1 : this.last === undefined ? undefined : Number(this.last);
    const list = sortContainers(await this.engine.listContainers({all: this.all, filters: this.filter, size: this.size, last, namespaces: this.ns}), this.sort);
    if (this.format === `json` || this.format === `{{json .}}`) {
      const now = Date.now();
      this.json(list.map(e => ({...e, CreatedAt: timeAgo(e.Created, now)})));
      return 0;
    }
    const id = (e: PsEntry) => this.noTrunc ? e.Id : e.Id.slice(0, 12);
    if (this.quiet) {
      if (list.length) this.out(list.map(id).join(`\n`));
      return 0;
    }
    const now = Date.now();
    const cmd = (e: PsEntry) => {
      const s = e.Command.join(` `);
      return this.noTrunc || s.length <= 20 ? s : `${s.slice(0, 17)}...`;
    };
    if (this.format !== undefined) {
      const rows = list.map(e => ({
        ...e, ID: id(e), Names: e.Names.join(`,`), Command: cmd(e), CreatedAt: timeAgo(e.Created, now), Created: timeAgo(e.Created, now),
        RunningFor: timeAgo(e.Created, now), Ports: ports(e), Size: e.Size ? sizeText(e.Size) : ``, Labels: e.Labels ?? {},
        ImageID: this.noTrunc ? e.ImageID : e.ImageID.slice(0, 12), Networks: (e.Networks ?? []).join(`,`),
      }));
      if (rows.length > 0 || this.format.startsWith(`table`)) this.out(withoutHeader(formatRows(this.format, rows, PS_HEADERS), this.noheading && this.format.startsWith(`table`)));
      return 0;
    }
    if (this.ns) {
      const keys = [`Cgroup`, `Ipc`, `Mnt`, `Net`, `Pidns`, `User`, `Uts`];
      const rows = list.map(e => [id(e), e.Names.join(`,`), String(e.Pid), ...keys.map(k => e.Namespaces[k] ?? ``)]);
      this.out(withoutHeader(table([`CONTAINER ID`, `NAMES`, `PID`, `CGROUPNS`, `IPC`, `MNT`, `NET`, `PIDNS`, `USERNS`, `UTS`], rows), this.noheading));
      return 0;
    }
    const header = [`CONTAINER ID`, `IMAGE`, `COMMAND`, `CREATED`, `STATUS`, `PORTS`, `NAMES`];
    // podman's order: the pod's columns, then SIZE last.
    if (this.pod) header.push(`POD ID`, `PODNAME`);
    if (this.size) header.push(`SIZE`);
    const rows = list.map(e => {
      const r = [id(e), e.Image, cmd(e), timeAgo(e.Created, now), e.Status, ports(e), e.Names.join(`,`)];
      if (this.pod) r.push(this.noTrunc ? e.Pod : e.Pod.slice(0, 12), e.PodName);
      if (this.size) r.push(sizeText(e.Size ?? {rwSize: 0, rootFsSize: 0}));
      return r;
    });
    this.out(withoutHeader(table(header, rows), this.noheading));
    return 0;
  }
}

// podman's column names for `--format "table {{.Field}}…"`.
/** podman's: the writable layer, and the whole root filesystem as `virtual`. */
function sizeText(s: {rwSize: number, rootFsSize: number}): string {
  return `${humanSizeCompact(s.rwSize)} (virtual ${humanSizeCompact(s.rootFsSize)})`;
}

const PS_HEADERS: Record<string, string> = {ID: `CONTAINER ID`, Names: `NAMES`, CreatedAt: `CREATED`, RunningFor: `CREATED`};

function ports(e: PsEntry): string {
  return portsColumn((e.Ports ?? []).map(p => ({hostIp: p.host_ip, hostPort: p.host_port, containerPort: p.container_port, protocol: p.protocol as `tcp` | `udp`, range: p.range})));
}

function withoutHeader(text: string, drop: boolean): string {
  return drop ? text.split(`\n`).slice(1).join(`\n`) : text;
}

/** podman's --sort keys, all ascending: `created` (the default) lists the oldest first, `runningfor` the longest running. */
function sortContainers(list: Array<PsEntry>, key: string): Array<PsEntry> {
  const by: Record<string, (a: PsEntry, b: PsEntry) => number> = {
    created: (a, b) => a.Created - b.Created,
    runningfor: (a, b) => a.StartedAt - b.StartedAt,
    id: (a, b) => a.Id.localeCompare(b.Id),
    image: (a, b) => a.Image.localeCompare(b.Image),
    names: (a, b) => (a.Names[0] ?? ``).localeCompare(b.Names[0] ?? ``),
    command: (a, b) => a.Command.join(` `).localeCompare(b.Command.join(` `)),
    status: (a, b) => a.Status.localeCompare(b.Status),
    size: (a, b) => (a.Size?.rwSize ?? 0) - (b.Size?.rwSize ?? 0),
  };
  const cmp = by[key];
  if (!cmp) throw new TspodError(`InvalidArgument`, `invalid option for --sort "${key}"`, {hint: `use command, created, id, image, names, runningfor, size or status`});
  // The engine lists the newest first (for --last) to the nanosecond; reversed, containers created in the same second keep their order.
  return [...list].reverse().sort(cmp);
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {containerTargets} from '../targets';
import type {StatsEntry} from '../../engine/verbs/stats';

export default class StatsCommand extends BaseCommand {
  static override paths = [[`stats`], [`container`, `stats`]];
  static override usage = Command.Usage({
    description: `Display a live stream of container resource usage statistics`,
    details: `Reads each running container's own cgroup (cgroup v2): CPU % over the interval, memory usage and limit, pids, block I/O, and network I/O from the container's network namespace. Needs cgroup v2 delegated to your user.`,
    examples: [[`One sample of every running container`, `$0 stats --no-stream`], [`As JSON`, `$0 stats --no-stream --format json web`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Show all containers (only running ones have numbers)`});
  noStream = Option.Boolean(`--no-stream`, false, {description: `Disable streaming stats and only pull the first result`});
  format = Option.String(`--format`, {description: `Pretty-print container statistics to JSON`});
  interval = Option.String(`-i,--interval`, `2`, {description: `Time in seconds between stats reports`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  noTrunc = Option.Boolean(`--no-trunc`, false, {description: `Do not truncate output`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    const every = Math.max(0.5, Number(this.interval) || 2) * 1000;
    if (this.latest) this.containers = await containerTargets(this.engine, {containers: this.containers, latest: true});
    for (;;) {
      const list = await this.engine.containerStats({containers: this.containers, all: this.all, intervalMs: this.noStream ? 1000 : every});
      if (this.format === `json` || this.format === `{{json .}}`) this.json(list.map(podmanJson));
      else this.out(render(list, this.noTrunc));
      if (this.noStream) return 0;
    }
  }
}

const UNITS = [`B`, `kB`, `MB`, `GB`, `TB`];
function size(n: number): string {
  let i = 0;
  while (n >= 1000 && i < UNITS.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)}${UNITS[i]}`;
}

/** podman's JSON keys (strings, as podman prints them) plus the raw numbers. */
function podmanJson(e: StatsEntry) {
  return {
    id: e.ContainerID.slice(0, 12), name: e.Name, cpu_percent: `${e.CPU.toFixed(2)}%`,
    mem_usage: `${size(e.MemUsage)} / ${size(e.MemLimit)}`, mem_percent: `${e.MemPerc.toFixed(2)}%`,
    net_io: `${size(e.NetInput)} / ${size(e.NetOutput)}`, block_io: `${size(e.BlockInput)} / ${size(e.BlockOutput)}`, pids: String(e.PIDs),
    ...e,
  };
}

function render(list: Array<StatsEntry>, noTrunc = false): string {
  const rows = [[`ID`, `NAME`, `CPU %`, `MEM USAGE / LIMIT`, `MEM %`, `NET IO`, `BLOCK IO`, `PIDS`],
    ...list.map(e => [noTrunc ? e.ContainerID : e.ContainerID.slice(0, 12), e.Name, `${e.CPU.toFixed(2)}%`, `${size(e.MemUsage)} / ${size(e.MemLimit)}`, `${e.MemPerc.toFixed(2)}%`,
      `${size(e.NetInput)} / ${size(e.NetOutput)}`, `${size(e.BlockInput)} / ${size(e.BlockOutput)}`, String(e.PIDs)])];
  const w = rows[0]!.map((_, i) => Math.max(...rows.map(r => r[i]!.length)));
  return rows.map(r => r.map((c, i) => c.padEnd(w[i]!)).join(`  `).trimEnd()).join(`\n`);
}

// Resource-limit flags (podman's --memory, --cpus, --pids-limit, …) → OCI
// linux.resources → cgroup v2 interface files, the way crun maps them
// (src/libcrun/cgroup-resources.c): memory.max/low/swap.max, cpu.max, cpu.weight,
// cpuset.cpus/mems, pids.max, io.weight, io.max. Pure: no I/O but the device stat
// passed in. Every flag names the controller it needs, so a host that lacks it can
// refuse with that name (cgroups/Manager.ts), never ignore the flag.
import {TspodError} from '../engine/errors';

/** Flag name (`--memory`) → the value given. */
export type LimitFlags = Record<string, string>;

export interface LinuxResources {
  memory?: {limit?: number, reservation?: number, swap?: number};
  cpu?: {shares?: number, quota?: number, period?: number, cpus?: string, mems?: string};
  pids?: {limit: number};
  blockIO?: {weight?: number, weightDevice?: Array<{major: number, minor: number, weight: number}>,
    throttleReadBpsDevice?: Array<Rate>, throttleWriteBpsDevice?: Array<Rate>,
    throttleReadIOPSDevice?: Array<Rate>, throttleWriteIOPSDevice?: Array<Rate>};
  unified?: Record<string, string>;
}

interface Rate {
  major: number;
  minor: number;
  rate: number;
}

export interface CgroupFile {
  file: string;
  value: string;
  /** Written only where the file exists (the default swap limit on kernels without swap accounting). */
  optional?: boolean;
}

export interface LimitPlan {
  resources: LinuxResources;
  /** cgroup v2 files of the container's cgroup, in write order. */
  files: Array<CgroupFile>;
  /** Controllers the flags need (`memory`, `cpu`, `cpuset`, `pids`, `io`). */
  controllers: Array<string>;
  /** The flags that need a cgroup, for messages. */
  cgroupFlags: Array<string>;
  /** --oom-score-adj: a property of the process, not of a cgroup. */
  oomScoreAdj?: number;
}

/** Flags v2 has no file for: refused wherever tspod runs. */
const NO_V2: Record<string, string> = {
  '--memory-swappiness': `cgroup v2 has no per-cgroup swappiness (memory.swappiness is a cgroup v1 file)`,
  '--kernel-memory': `kernel memory limits do not exist in cgroup v2 (kernel memory is part of memory.max)`,
  '--cpu-rt-period': `realtime cpu limits (cpu.rt_period_us) do not exist in cgroup v2`,
  '--cpu-rt-runtime': `realtime cpu limits (cpu.rt_runtime_us) do not exist in cgroup v2`,
};

export const CONTROLLER_OF: Record<string, string> = {
  '--memory': `memory`, '--memory-reservation': `memory`, '--memory-swap': `memory`,
  '--cpus': `cpu`, '--cpu-shares': `cpu`, '--cpu-weight': `cpu`, '--cpu-quota': `cpu`, '--cpu-period': `cpu`,
  '--cpuset-cpus': `cpuset`, '--cpuset-mems': `cpuset`, '--pids-limit': `pids`,
  '--blkio-weight': `io`, '--blkio-weight-device': `io`, '--device-read-bps': `io`, '--device-write-bps': `io`,
  '--device-read-iops': `io`, '--device-write-iops': `io`,
};

function bad(message: string, hint?: string): TspodError {
  return new TspodError(`InvalidArgument`, message, hint === undefined ? {} : {hint});
}

const UNITS: Record<string, number> = {b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5};

/** podman's RAMInBytes: `64m`, `1g`, `512k`, `1024`, `1.5g`, optional trailing `b`. */
export function parseBytes(v: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgtp])?b?$/i.exec(v.trim());
  if (!m) throw bad(`invalid size "${v}" for ${flag}`, `use a number with an optional unit: b, k, m or g (e.g. ${flag} 64m)`);
  return Math.floor(Number(m[1]) * UNITS[(m[2] ?? `b`).toLowerCase()]!);
}

function parseIntIn(v: string, flag: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(v.trim())) throw bad(`invalid value "${v}" for ${flag}: want an integer`);
  const n = Number(v);
  if (n < min || n > max) throw bad(`invalid value ${n} for ${flag}: must be between ${min} and ${max}`);
  return n;
}

function checkCpuList(v: string, flag: string): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) throw bad(`invalid value "${v}" for ${flag}`, `use a list such as 0-1,3`);
  return v;
}

/** `DEVICE:VALUE` → the device's numbers and the value (a size or a plain number). */
function deviceRate(spec: string, flag: string, statDevice: (path: string) => {major: number, minor: number}, size: boolean): Rate {
  const i = spec.lastIndexOf(`:`);
  if (i <= 0) throw bad(`invalid value "${spec}" for ${flag}`, `use DEVICE:${size ? `RATE (e.g. /dev/vda:1mb)` : `N (e.g. /dev/vda:1000)`}`);
  const dev = spec.slice(0, i);
  const rate = size ? parseBytes(spec.slice(i + 1), flag) : parseIntIn(spec.slice(i + 1), flag, 0, Number.MAX_SAFE_INTEGER);
  return {...statDevice(dev), rate};
}

/** crun's conversions between the cgroup v1 scales podman's flags use and v2's. */
export const cpuSharesToWeight = (shares: number): number => shares === 0 ? 100 : 1 + Math.floor(((shares - 2) * 9999) / 262142);
export const blkioToIoWeight = (w: number): number => 1 + Math.floor(((w - 10) * 9999) / 990);

export function planLimits(flags: LimitFlags, opts: {cpuCount: number, statDevice: (path: string) => {major: number, minor: number}}): LimitPlan {
  for (const f of Object.keys(flags))
    if (NO_V2[f]) throw new TspodError(`Unsupported`, `${f} is not supported: ${NO_V2[f]}`, {hint: `drop ${f}; see the cgroup v2 equivalents: --memory, --cpus, --cpu-weight`});
  const r: LinuxResources = {};
  const files: Array<CgroupFile> = [];
  const has = (f: string) => flags[f] !== undefined;

  // memory
  if (has(`--memory`) || has(`--memory-reservation`) || has(`--memory-swap`)) {
    const mem: NonNullable<LinuxResources['memory']> = {};
    if (has(`--memory`)) {
      mem.limit = parseBytes(flags[`--memory`]!, `--memory`);
      if (mem.limit < 6 * 1024 * 1024) throw bad(`minimum memory limit allowed is 6MB`, `give --memory 6m or more`);
    }
    if (has(`--memory-reservation`)) mem.reservation = parseBytes(flags[`--memory-reservation`]!, `--memory-reservation`);
    if (mem.limit !== undefined && mem.reservation !== undefined && mem.reservation > mem.limit)
      throw bad(`minimum memory limit can not be less than memory reservation limit, see usage`, `make --memory-reservation smaller than --memory`);
    if (has(`--memory-swap`)) {
      const v = flags[`--memory-swap`]!.trim();
      if (mem.limit === undefined) throw bad(`you must provide a memory limit when providing a swap limit`, `add --memory`);
      mem.swap = v === `-1` ? -1 : parseBytes(v, `--memory-swap`);
      if (mem.swap !== -1 && mem.swap < mem.limit) throw bad(`minimum memoryswap limit should be larger than memory limit, see usage`, `give --memory-swap at least as large as --memory (it is memory plus swap), or -1 for unlimited swap`);
    }
    r.memory = mem;
    if (mem.limit !== undefined) files.push({file: `memory.max`, value: String(mem.limit)});
    if (mem.reservation !== undefined) files.push({file: `memory.low`, value: String(mem.reservation)});
    if (mem.swap !== undefined) files.push({file: `memory.swap.max`, value: mem.swap === -1 ? `max` : String(mem.swap - mem.limit!)});
    else if (mem.limit !== undefined) files.push({file: `memory.swap.max`, value: String(mem.limit), optional: true}); // podman: swap = 2 × memory
  }

  // cpu
  if (has(`--cpus`) && (has(`--cpu-quota`) || has(`--cpu-period`)))
    throw bad(`--cpus and --cpu-quota/--cpu-period cannot be used together`, `use --cpus alone (it sets the quota for a 100ms period)`);
  if (has(`--cpu-shares`) && has(`--cpu-weight`)) throw bad(`--cpu-shares and --cpu-weight cannot be used together`);
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  if (has(`--cpus`)) {
    const n = Number(flags[`--cpus`]);
    if (!Number.isFinite(n) || n <= 0 || n > opts.cpuCount)
      throw bad(`range of CPUs is from 0.01 to ${opts.cpuCount.toFixed(2)}, as there are only ${opts.cpuCount} CPUs available`, `give --cpus between 0.01 and ${opts.cpuCount}`);
    cpu.period = 100000;
    cpu.quota = Math.max(1000, Math.round(n * 100000));
  }
  if (has(`--cpu-period`)) cpu.period = parseIntIn(flags[`--cpu-period`]!, `--cpu-period`, 1000, 1000000);
  if (has(`--cpu-quota`)) {
    const q = parseIntIn(flags[`--cpu-quota`]!, `--cpu-quota`, -1, Number.MAX_SAFE_INTEGER);
    if (q !== -1 && q < 1000) throw bad(`invalid value ${q} for --cpu-quota: must be -1 (no limit) or at least 1000 microseconds`);
    cpu.quota = q;
  }
  if (cpu.quota !== undefined || cpu.period !== undefined)
    files.push({file: `cpu.max`, value: `${cpu.quota === undefined || cpu.quota === -1 ? `max` : cpu.quota} ${cpu.period ?? 100000}`});
  if (has(`--cpu-shares`)) {
    cpu.shares = parseIntIn(flags[`--cpu-shares`]!, `--cpu-shares`, 2, 262144);
    files.push({file: `cpu.weight`, value: String(cpuSharesToWeight(cpu.shares))});
  }
  if (has(`--cpu-weight`)) {
    const w = parseIntIn(flags[`--cpu-weight`]!, `--cpu-weight`, 1, 10000);
    r.unified = {...r.unified, 'cpu.weight': String(w)};
    files.push({file: `cpu.weight`, value: String(w)});
  }
  if (has(`--cpuset-cpus`)) files.push({file: `cpuset.cpus`, value: cpu.cpus = checkCpuList(flags[`--cpuset-cpus`]!, `--cpuset-cpus`)});
  if (has(`--cpuset-mems`)) files.push({file: `cpuset.mems`, value: cpu.mems = checkCpuList(flags[`--cpuset-mems`]!, `--cpuset-mems`)});
  if (Object.keys(cpu).length > 0) r.cpu = cpu;

  // pids
  // -1 and 0 mean no limit (podman): nothing to enforce, so no cgroup is needed for them.
  const unlimitedPids = has(`--pids-limit`) && parseIntIn(flags[`--pids-limit`]!, `--pids-limit`, -1, 4194304) <= 0;
  if (has(`--pids-limit`) && !unlimitedPids) {
    const n = Number(flags[`--pids-limit`]);
    r.pids = {limit: n};
    files.push({file: `pids.max`, value: String(n)});
  }

  // io
  const io: NonNullable<LinuxResources['blockIO']> = {};
  if (has(`--blkio-weight`)) {
    io.weight = parseIntIn(flags[`--blkio-weight`]!, `--blkio-weight`, 10, 1000);
    files.push({file: `io.weight`, value: `default ${blkioToIoWeight(io.weight)}`});
  }
  if (has(`--blkio-weight-device`)) {
    const d = deviceRate(flags[`--blkio-weight-device`]!, `--blkio-weight-device`, opts.statDevice, false);
    if (d.rate < 10 || d.rate > 1000) throw bad(`invalid weight ${d.rate} for --blkio-weight-device: must be between 10 and 1000`);
    io.weightDevice = [{major: d.major, minor: d.minor, weight: d.rate}];
    files.push({file: `io.weight`, value: `${d.major}:${d.minor} ${blkioToIoWeight(d.rate)}`});
  }
  const throttles: Array<[string, keyof typeof io, string, boolean]> = [
    [`--device-read-bps`, `throttleReadBpsDevice`, `rbps`, true], [`--device-write-bps`, `throttleWriteBpsDevice`, `wbps`, true],
    [`--device-read-iops`, `throttleReadIOPSDevice`, `riops`, false], [`--device-write-iops`, `throttleWriteIOPSDevice`, `wiops`, false],
  ];
  for (const [flag, key, word, size] of throttles) {
    if (!has(flag)) continue;
    const d = deviceRate(flags[flag]!, flag, opts.statDevice, size);
    (io as Record<string, unknown>)[key] = [d];
    files.push({file: `io.max`, value: `${d.major}:${d.minor} ${word}=${d.rate}`});
  }
  if (Object.keys(io).length > 0) r.blockIO = io;

  const cgroupFlags = Object.keys(flags).filter(f => CONTROLLER_OF[f] !== undefined && !(f === `--pids-limit` && unlimitedPids));
  const controllers = [...new Set(cgroupFlags.map(f => CONTROLLER_OF[f]!))];
  const plan: LimitPlan = {resources: r, files, controllers, cgroupFlags};
  if (has(`--oom-score-adj`)) plan.oomScoreAdj = parseIntIn(flags[`--oom-score-adj`]!, `--oom-score-adj`, -1000, 1000);
  return plan;
}

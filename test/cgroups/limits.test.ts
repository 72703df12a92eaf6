import test from 'ava';
import {planLimits, cpuSharesToWeight, blkioToIoWeight, parseBytes} from '../../src/cgroups/limits';
import {chooseManager} from '../../src/cgroups/Manager';
import type {CgroupInfo} from '../../src/cgroups/detect';
import {isTspodError} from '../../src/engine/errors';

const opts = {cpuCount: 2, statDevice: (p: string) => p === `/dev/vda` ? {major: 254, minor: 0} : (() => { throw new Error(`no ${p}`); })()};
const files = (flags: Record<string, string>) => Object.fromEntries(planLimits(flags, opts).files.map(f => [f.file, f.value]));

test(`sizes parse as podman's RAMInBytes`, t => {
  t.is(parseBytes(`64m`, `--memory`), 64 * 1024 * 1024);
  t.is(parseBytes(`1g`, `--memory`), 1024 ** 3);
  t.is(parseBytes(`512k`, `--memory`), 512 * 1024);
  t.is(parseBytes(`100mb`, `--memory`), 100 * 1024 * 1024);
  t.throws(() => parseBytes(`lots`, `--memory`), {message: /invalid size "lots" for --memory/});
});

test(`memory flags map to memory.max, memory.low and memory.swap.max`, t => {
  t.deepEqual(files({'--memory': `64m`}), {'memory.max': `67108864`, 'memory.swap.max': `67108864`});
  t.true(planLimits({'--memory': `64m`}, opts).files.find(f => f.file === `memory.swap.max`)!.optional);
  t.deepEqual(files({'--memory': `64m`, '--memory-swap': `100m`, '--memory-reservation': `32m`}),
    {'memory.max': `67108864`, 'memory.low': `33554432`, 'memory.swap.max': String(36 * 1024 * 1024)});
  t.is(files({'--memory': `64m`, '--memory-swap': `-1`})[`memory.swap.max`], `max`);
  t.throws(() => planLimits({'--memory': `1m`}, opts), {message: /minimum memory limit allowed is 6MB/});
  t.throws(() => planLimits({'--memory-swap': `1g`}, opts), {message: /must provide a memory limit/});
  t.throws(() => planLimits({'--memory': `64m`, '--memory-swap': `32m`}, opts), {message: /memoryswap limit should be larger/});
});

test(`cpu flags map to cpu.max, cpu.weight and cpuset files`, t => {
  t.is(files({'--cpus': `0.5`})[`cpu.max`], `50000 100000`);
  t.is(files({'--cpus': `1.5`})[`cpu.max`], `150000 100000`);
  t.is(files({'--cpu-quota': `20000`, '--cpu-period': `50000`})[`cpu.max`], `20000 50000`);
  t.is(files({'--cpu-quota': `-1`})[`cpu.max`], `max 100000`);
  t.is(files({'--cpu-shares': `1024`})[`cpu.weight`], String(cpuSharesToWeight(1024)));
  t.is(cpuSharesToWeight(1024), 39); // crun's conversion
  t.is(files({'--cpu-weight': `300`})[`cpu.weight`], `300`);
  t.is(files({'--cpuset-cpus': `0-1`, '--cpuset-mems': `0`})[`cpuset.cpus`], `0-1`);
  t.throws(() => planLimits({'--cpus': `3`}, opts), {message: /range of CPUs is from 0.01 to 2.00/});
  t.throws(() => planLimits({'--cpus': `1`, '--cpu-quota': `1000`}, opts), {message: /cannot be used together/});
  t.throws(() => planLimits({'--cpuset-cpus': `a-b`}, opts), {message: /invalid value "a-b" for --cpuset-cpus/});
});

test(`pids and io flags map to pids.max, io.weight and io.max`, t => {
  t.is(files({'--pids-limit': `10`})[`pids.max`], `10`);
  // -1 (and 0) is no limit: nothing to write, no controller needed (so no refusal where none can be had).
  t.false(`pids.max` in files({'--pids-limit': `-1`}));
  t.deepEqual(planLimits({'--pids-limit': `0`}, opts).controllers, []);
  t.is(files({'--blkio-weight': `500`})[`io.weight`], `default ${blkioToIoWeight(500)}`);
  t.is(files({'--device-read-bps': `/dev/vda:1mb`})[`io.max`], `254:0 rbps=1048576`);
  t.is(files({'--device-write-iops': `/dev/vda:100`})[`io.max`], `254:0 wiops=100`);
  t.deepEqual(planLimits({'--pids-limit': `10`, '--memory': `64m`}, opts).controllers.sort(), [`memory`, `pids`]);
});

test(`flags cgroup v2 cannot honour are refused, never ignored`, t => {
  for (const f of [`--memory-swappiness`, `--kernel-memory`, `--cpu-rt-period`, `--cpu-rt-runtime`]) {
    const err = t.throws(() => planLimits({[f]: `10`}, opts));
    t.true(isTspodError(err, `Unsupported`), f);
    t.regex(err!.message, new RegExp(f));
  }
});

test(`--oom-score-adj needs no cgroup`, t => {
  const p = planLimits({'--oom-score-adj': `500`}, opts);
  t.is(p.oomScoreAdj, 500);
  t.deepEqual(p.controllers, []);
  t.throws(() => planLimits({'--oom-score-adj': `2000`}, opts), {message: /between -1000 and 1000/});
});

const v2 = (controllers: Array<string>): CgroupInfo => ({
  version: `v2`, unifiedMount: `/sys/fs/cgroup`, ownCgroup: `/user.slice/user-1001.slice/session-1.scope`, delegatedControllers: controllers,
  manager: `systemd`, limitsAvailable: true, reason: ``, fix: ``,
  userManager: {cgroup: `/user.slice/user-1001.slice/user@1001.service`, controllers, bus: `/run/user/1001/systemd/private`},
});

test(`the manager is refused with the missing controller and the fix`, t => {
  const limits = planLimits({'--blkio-weight': `100`, '--memory': `64m`}, opts);
  const err = t.throws(() => chooseManager(v2([`memory`, `pids`]), {mode: `enabled`, limits}));
  t.true(isTspodError(err, `Unsupported`));
  t.regex(err!.message, /cannot apply --blkio-weight: the io controller is not delegated/);
  t.regex((err as {hint?: string}).hint!, /Delegate=cpu cpuset io memory pids/);
  t.is(chooseManager(v2([`memory`, `pids`, `io`]), {mode: `enabled`, limits}).manager?.name, `systemd`);
});

test(`cgroup v1 refuses limits with the reason and the fix, and runs plain containers without a cgroup`, t => {
  const v1: CgroupInfo = {version: `hybrid`, unifiedMount: null, ownCgroup: `/`, delegatedControllers: [], manager: `none`, limitsAvailable: false,
    reason: `the host uses cgroup v1`, fix: `boot with systemd.unified_cgroup_hierarchy=1`};
  const err = t.throws(() => chooseManager(v1, {mode: `enabled`, limits: planLimits({'--pids-limit': `10`}, opts)}));
  t.regex(err!.message, /cannot apply --pids-limit: the host uses cgroup v1/);
  t.regex((err as {hint?: string}).hint!, /systemd.unified_cgroup_hierarchy=1/);
  t.is(chooseManager(v1, {mode: `enabled`, limits: planLimits({}, opts)}).manager, null);
  t.throws(() => chooseManager(v1, {mode: `split`, limits: planLimits({}, opts)}), {message: /--cgroups split/});
});

// --pid, --ipc and --uts container:NAME (and --network container:NAME of a detached
// container), end to end as the unprivileged test user with the built-in runtime.
import test from 'ava';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const {t} = pulledStore(ALPINE);

test.before(async () => {
  const r = await t([`run`, `-d`, `--name`, `owner`, `--hostname`, `ownerhost`, ALPINE, `sleep`, `1000`]);
  if (r.code !== 0) throw new Error(r.stderr);
});

test.after.always(async () => {
  await t([`rm`, `-f`, `-t`, `0`, `owner`, `joiner`]);
});

test.serial(`--pid container:NAME: the other container's processes, its sleep as PID 1`, async tt => {
  const r = await t([`run`, `--rm`, `--network`, `none`, `--pid`, `container:owner`, ALPINE, `ps`, `-o`, `pid,args`]);
  tt.is(r.code, 0, r.stderr);
  tt.regex(r.stdout, /^\s*1 sleep 1000$/m);
});

test.serial(`--uts container:NAME: its hostname; --ipc container:NAME: its IPC namespace`, async tt => {
  const uts = await t([`run`, `--rm`, `--network`, `none`, `--uts`, `container:owner`, ALPINE, `sh`, `-c`, `hostname; cat /etc/hostname`]);
  tt.is(uts.code, 0, uts.stderr);
  tt.is(uts.stdout, `ownerhost\nownerhost\n`);
  const mine = (await t([`exec`, `owner`, `readlink`, `/proc/self/ns/ipc`])).stdout.trim();
  tt.regex(mine, /^ipc:\[\d+\]$/);
  const ipc = await t([`run`, `--rm`, `--network`, `none`, `--ipc`, `container:owner`, ALPINE, `readlink`, `/proc/self/ns/ipc`]);
  tt.is(ipc.stdout.trim(), mine, ipc.stderr);
  const own = await t([`run`, `--rm`, `--network`, `none`, ALPINE, `readlink`, `/proc/self/ns/ipc`]);
  tt.not(own.stdout.trim(), mine);
});

test.serial(`all of them with --network container:NAME of a detached container; inspect names the modes; exec joins them`, async tt => {
  const r = await t([`run`, `-d`, `--name`, `joiner`, `--network`, `container:owner`, `--pid`, `container:owner`, `--ipc`, `container:owner`, `--uts`, `container:owner`, ALPINE, `sleep`, `1000`]);
  tt.is(r.code, 0, r.stderr);
  const id = (await t([`inspect`, `--format`, `{{.Id}}`, `owner`])).stdout.trim();
  tt.is((await t([`inspect`, `--format`, `{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}}`, `joiner`])).stdout.trim(),
    `container:${id} container:${id} container:${id}`);
  const ps = await t([`exec`, `joiner`, `sh`, `-c`, `ps -o args | grep -c '^sleep 1000$'; hostname`]);
  tt.is(ps.stdout, `2\nownerhost\n`, ps.stderr);
  tt.is((await t([`rm`, `-f`, `-t`, `0`, `joiner`])).code, 0);
});

test.serial(`refused with the reason: a network of its own, --hostname with --uts, a missing or stopped container, runc`, async tt => {
  const own = await t([`run`, `--rm`, `--pid`, `container:owner`, ALPINE, `true`]);
  tt.is(own.code, 125);
  tt.regex(own.stderr, /^Error: --pid container:owner with a network of the container's own \(pasta\) is not supported\n  fix: share that container's network too/);
  const host = await t([`run`, `--rm`, `--network`, `none`, `--uts`, `container:owner`, `--hostname`, `x`, ALPINE, `true`]);
  tt.is(host.code, 125);
  tt.regex(host.stderr, /cannot set the hostname with --uts container:owner/);
  const missing = await t([`run`, `--rm`, `--network`, `none`, `--ipc`, `container:nosuch`, ALPINE, `true`]);
  tt.is(missing.code, 125);
  tt.regex(missing.stderr, /no container with name or ID "nosuch" found/);
  tt.is((await t([`create`, `--name`, `stopped-one`, ALPINE, `true`])).code, 0);
  const stopped = await t([`run`, `--rm`, `--network`, `none`, `--pid`, `container:stopped-one`, ALPINE, `true`]);
  tt.is(stopped.code, 125);
  tt.regex(stopped.stderr, /container stopped-one is not running: its namespaces cannot be joined/);
  await t([`rm`, `stopped-one`]);
  const runc = await t([`--runtime`, `runc`, `run`, `--rm`, `--network`, `none`, `--pid`, `container:owner`, ALPINE, `true`]);
  tt.is(runc.code, 125);
  tt.regex(runc.stderr, /--pid container:owner with --runtime runc is not supported/);
  const bad = await t([`run`, `--rm`, `--pid`, `container:`, ALPINE, `true`]);
  tt.is(bad.code, 125);
});

// `run -d`, `stop`, `kill`, `rm`, `wait` end to end under the monitor, as the
// unprivileged test user against the seeded registry.
import test from 'ava';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE);
const {t} = pulled;

/** Waits until the container printed `ready` (its signal traps are set). */
async function ready(name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await t([`logs`, name])).stdout.includes(`ready`)) return;
    await new Promise(res => setTimeout(res, 25));
  }
  throw new Error(`${name} never got ready`);
}

async function state(name: string): Promise<string> {
  const r = await t([`inspect`, `--format`, `{{.State.Status}}`, name]);
  return r.stdout.trim();
}

test(`run -d prints the id; ps shows it running; stop exits it with 143 on SIGTERM`, async tt => {
  const r = await t([`run`, `-d`, `--name`, `st1`, ALPINE, `sh`, `-c`, `trap 'exit 143' TERM; echo ready; while :; do sleep 0.1; done`]);
  tt.is(r.code, 0, r.stderr);
  await ready(`st1`);
  tt.regex(r.stdout.trim(), /^[0-9a-f]{64}$/);
  const ps = JSON.parse((await t([`ps`, `--format`, `json`])).stdout);
  const mine = ps.find((c: any) => c.Names[0] === `st1`);
  tt.truthy(mine);
  tt.is(mine.State, `running`);
  tt.true(mine.Pid > 0);
  const start = Date.now();
  const stop = await t([`stop`, `st1`]);
  tt.is(stop.code, 0, stop.stderr);
  tt.is(stop.stdout.trim(), `st1`);
  tt.true(Date.now() - start < 8000, `stop waited for SIGKILL`);
  tt.is(await state(`st1`), `exited`);
  const w = await t([`wait`, `st1`]);
  tt.is(w.stdout.trim(), `143`);
  tt.is((await t([`inspect`, `--format`, `{{.State.ExitCode}} {{.State.Running}}`, `st1`])).stdout.trim(), `143 false`);
});

test(`stop -t 1 falls back to SIGKILL (137) for a process that ignores SIGTERM`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `st2`, ALPINE, `sleep`, `1000`])).code, 0);
  const stop = await t([`stop`, `-t`, `1`, `st2`]);
  tt.is(stop.code, 0, stop.stderr);
  tt.is((await t([`wait`, `st2`])).stdout.trim(), `137`);
});

test(`kill -s sends the signal; kill of a stopped container is refused`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `st3`, ALPINE, `sh`, `-c`, `trap 'exit 7' USR1; echo ready; while :; do sleep 0.1; done`])).code, 0);
  await ready(`st3`);
  const k = await t([`kill`, `-s`, `USR1`, `st3`]);
  tt.is(k.code, 0, k.stderr);
  tt.is((await t([`wait`, `st3`])).stdout.trim(), `7`);
  const again = await t([`kill`, `st3`]);
  tt.is(again.code, 125);
  tt.regex(again.stderr, /can only kill running containers.*state exited: container state improper/);
});

test(`rm refuses a running container without -f (exit 2, as podman); rm -f removes it`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `st4`, ALPINE, `sleep`, `1000`])).code, 0);
  const rm = await t([`rm`, `st4`]);
  tt.is(rm.code, 2);
  tt.regex(rm.stderr, /cannot remove container [0-9a-f]{64} as it is running/);
  const rmf = await t([`rm`, `-f`, `-t`, `0`, `st4`]);
  tt.is(rmf.code, 0, rmf.stderr);
  tt.is((await t([`container`, `exists`, `st4`])).code, 1);
});

test(`every verb on a missing container: podman's message, exit 125 (rm: 1, rm -f: no error)`, async tt => {
  const rm = await t([`rm`, `nope`]);
  tt.is(rm.code, 1, `podman rm: 1 when a container does not exist`);
  tt.is(rm.stderr, `Error: no container with name or ID "nope" found: no such container\n`);
  const rmf = await t([`rm`, `-f`, `-t`, `0`, `nope`, `nope2`]);
  tt.deepEqual([rmf.code, rmf.stdout, rmf.stderr], [0, ``, ``]);
  const inspect = await t([`container`, `inspect`, `nope`]);
  tt.deepEqual([inspect.code, inspect.stdout, inspect.stderr], [125, `[]\n`, `Error: inspecting object: no such container nope\n`], `podman's inspect words`);
  for (const verb of [[`start`], [`stop`], [`kill`], [`wait`], [`logs`], [`exec`, `nope`, `true`], [`attach`], [`top`], [`restart`], [`pause`], [`unpause`], [`rename`, `nope`, `x`]]) {
    const args = verb.length > 1 ? verb : [...verb, `nope`];
    const r = await t(args);
    tt.is(r.code, 125, `${verb[0]}: ${r.stderr}`);
    tt.regex(r.stderr, /Error: no container with name or ID "nope" found: no such container/, verb[0]);
  }
  tt.is((await t([`container`, `exists`, `nope`])).code, 1);
});

test(`run -d --rm: the monitor removes the container after it exits`, async tt => {
  const r = await t([`run`, `-d`, `--rm`, `--name`, `st5`, ALPINE, `true`]);
  tt.is(r.code, 0, r.stderr);
  for (let i = 0; i < 200; i++) {
    if ((await t([`container`, `exists`, `st5`])).code === 1) return tt.pass();
    await new Promise(res => setTimeout(res, 50));
  }
  tt.fail(`st5 still exists`);
});

test(`pause and unpause are refused with podman's reason on this host`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `st6`, ALPINE, `sleep`, `1000`])).code, 0);
  const p = await t([`pause`, `st6`]);
  tt.is(p.code, 125);
  tt.regex(p.stderr, /can not pause containers on rootless containers with cgroup V1/);
  await t([`rm`, `-f`, `-t`, `0`, `st6`]);
});

test(`wait: a container never started answers at once with 0, as podman's; --condition running waits for its start`, async tt => {
  tt.is((await t([`create`, `--name`, `st-w`, ALPINE, `sleep`, `1000`])).code, 0);
  const w = await t([`wait`, `st-w`]);
  tt.is(w.code, 0, w.stderr);
  tt.is(w.stdout, `0\n`);
  const running = t([`wait`, `--condition`, `running`, `st-w`]);
  tt.is((await t([`start`, `st-w`])).code, 0);
  tt.is((await running).code, 0);
  tt.is((await t([`rm`, `-f`, `-t`, `0`, `st-w`])).code, 0);
});

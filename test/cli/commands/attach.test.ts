// `attach` end to end: output and input through the monitor's socket, the exit
// code, detach keys (ctrl-p,ctrl-q and --detach-keys), refused when not running.
import test from 'ava';
import {spawn} from 'node:child_process';
import {readdirSync, readFileSync, readlinkSync} from 'node:fs';
import {TSPOD_BIN} from '../../_helpers/project';
import {SEEDED} from '../../_helpers/registry';
import {MANIFESTS} from '../../_helpers/imageEnv';
import {pulledStore} from '../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE);
const {t} = pulled;

test(`attach relays input and output and returns the exit code`, async tt => {
  // The client sends close-stdin after the data, often after the container has exited:
  // the monitor must not close the socket under it (EPIPE made node drop the output).
  tt.is((await t([`run`, `-d`, `-i`, `--name`, `at1`, ALPINE, `sh`, `-c`, `read x; echo got:$x; exit 5`])).code, 0);
  const r = await t([`attach`, `at1`], `hello\n`);
  tt.is(r.code, 5, r.stderr);
  tt.is(r.stdout, `got:hello\n`);
});

test(`ctrl-p,ctrl-q detaches and leaves the container running`, async tt => {
  tt.is((await t([`run`, `-d`, `-i`, `--name`, `at2`, ALPINE, `sleep`, `1000`])).code, 0);
  const r = await t([`attach`, `at2`], `\x10\x11`);
  tt.is(r.code, 0, r.stderr);
  tt.is((await t([`inspect`, `--format`, `{{.State.Status}}`, `at2`])).stdout.trim(), `running`);
  const custom = await t([`attach`, `--detach-keys`, `ctrl-a`, `at2`], `\x01`);
  tt.is(custom.code, 0, custom.stderr);
  await t([`rm`, `-f`, `-t`, `0`, `at2`]);
});

test(`attach to a container that is not running names its state`, async tt => {
  tt.is((await t([`create`, `--name`, `at3`, ALPINE, `true`])).code, 0);
  const r = await t([`attach`, `at3`]);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /you can only attach to running containers.*created/);
});

test(`inspect: podman's fields and Go templates`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `in1`, `-e`, `X=1`, ALPINE, `sleep`, `1000`])).code, 0);
  const [doc] = JSON.parse((await t([`container`, `inspect`, `in1`])).stdout);
  for (const k of [`Id`, `Created`, `Path`, `Args`, `State`, `Image`, `ImageName`, `Name`, `RestartCount`, `Driver`, `Mounts`, `NetworkSettings`, `Config`, `HostConfig`])
    tt.true(k in doc, k);
  for (const k of [`Status`, `Running`, `Paused`, `Pid`, `ExitCode`, `StartedAt`, `FinishedAt`, `OOMKilled`])
    tt.true(k in doc.State, k);
  tt.is(doc.Name, `in1`);
  tt.is(doc.Path, `sleep`);
  tt.deepEqual(doc.Args, [`1000`]);
  tt.true(doc.Config.Env.includes(`X=1`));
  tt.is(doc.State.FinishedAt, `0001-01-01T00:00:00Z`);
  tt.is((await t([`inspect`, `--format`, `{{.State.Running}} {{.Config.Cmd}} {{json .Args}}`, `in1`])).stdout.trim(), `true [sleep 1000] ["1000"]`);
  const pid = Number((await t([`inspect`, `--format`, `{{.State.Pid}}`, `in1`])).stdout);
  tt.true(pid > 0);
  const two = await t([`container`, `inspect`, `--format`, `{{.Name}}`, `in1`, `missing`]);
  tt.is(two.code, 125);
  tt.is(two.stdout.trim(), `in1`);
  tt.regex(two.stderr, /^Error: inspecting object: no such container missing$/m);
  await t([`rm`, `-f`, `-t`, `0`, `in1`]);
  // podman 4's Config: the entrypoint as one string, the command apart, the user as given;
  // ImageDigest the image's manifest digest.
  tt.is((await t([`create`, `--name`, `in2`, `--entrypoint`, `sh`, `-u`, `0:0`, ALPINE, `-c`, `sleep 1`])).code, 0);
  const [d2] = JSON.parse((await t([`container`, `inspect`, `in2`])).stdout);
  tt.is(d2.Config.Entrypoint, `sh`);
  tt.deepEqual(d2.Config.Cmd, [`-c`, `sleep 1`]);
  tt.is(d2.Config.User, `0:0`);
  tt.is(d2.ImageDigest, MANIFESTS.alpine);
  await t([`rm`, `-f`, `-t`, `0`, `in2`]);
});

/** tspod with this store as a child process, its output collected, for a signal to be sent to it. */
function spawnTspod(args: Array<string>) {
  const child = spawn(process.execPath, [TSPOD_BIN, `--root`, pulled.s.root, `--runroot`, pulled.s.runroot, ...args], {env: {...process.env, ...pulled.env}, stdio: [`ignore`, `pipe`, `pipe`]});
  let out = ``;
  child.stdout.on(`data`, d => { out += d; });
  const done = new Promise<{code: number | null, out: string}>(resolve => child.on(`close`, code => resolve({code, out})));
  const ready = new Promise<void>(resolve => child.stdout.on(`data`, () => { if (out.includes(`ready`)) resolve(); }));
  return {child, done, ready};
}

/**
 * Whether `tspod attach` (pid) is attached with its signal proxy on, polled for up to 20 s:
 * it catches SIGHUP (installed with SIGTERM's handler; Node itself catches SIGTERM from its
 * start, so that bit says nothing) and holds a socket (its monitor connection; Node's stdio
 * here are pipes).
 */
async function attachedWithProxy(pid: number): Promise<boolean> {
  for (const end = Date.now() + 20_000; Date.now() < end; await new Promise(res => setTimeout(res, 25))) {
    try {
      const mask = /^SigCgt:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, `utf8`))?.[1];
      const catchesHup = mask !== undefined && (BigInt(`0x${mask}`) & 1n) === 1n;
      const hasSocket = readdirSync(`/proc/${pid}/fd`).some(fd => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(`socket:`);
        } catch {
          return false;
        }
      });
      if (catchesHup && hasSocket) return true;
    } catch {
      return false;
    }
  }
  return false;
}

const TRAP = `trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.1; done`;

test(`start -a and attach pass a signal on to the container (--sig-proxy, default true); --sig-proxy=false does not`, async tt => {
  tt.is((await t([`create`, `--name`, `sp1`, ALPINE, `sh`, `-c`, TRAP])).code, 0);
  const started = spawnTspod([`start`, `-a`, `sp1`]);
  await started.ready;
  started.child.kill(`SIGTERM`);
  const r = await started.done;
  tt.deepEqual([r.code, r.out], [42, `ready\ngot-term\n`]);

  tt.is((await t([`run`, `-d`, `--name`, `sp2`, ALPINE, `sh`, `-c`, TRAP])).code, 0);
  for (let i = 0; i < 100 && !(await t([`logs`, `sp2`])).stdout.includes(`ready`); i++) await new Promise(res => setTimeout(res, 50));
  const attached = spawnTspod([`attach`, `--no-stdin`, `sp2`]);
  // Nothing new is printed once it is attached: wait until its proxy is on and it holds the
  // monitor's socket; a fixed pause was too short for a loaded machine's Node start.
  tt.true(await attachedWithProxy(attached.child.pid!), `attach never attached with its signal proxy`);
  attached.child.kill(`SIGTERM`);
  tt.is((await attached.done).code, 42);

  tt.is((await t([`run`, `-d`, `--name`, `sp3`, ALPINE, `sh`, `-c`, TRAP])).code, 0);
  const noProxy = spawnTspod([`attach`, `--no-stdin`, `--sig-proxy=false`, `sp3`]);
  await new Promise(res => setTimeout(res, 500));
  noProxy.child.kill(`SIGTERM`);
  await noProxy.done;
  tt.is((await t([`inspect`, `--format`, `{{.State.Status}}`, `sp3`])).stdout.trim(), `running`, `the container was left alone`);
  await t([`rm`, `-f`, `-t`, `0`, `sp3`]);
});

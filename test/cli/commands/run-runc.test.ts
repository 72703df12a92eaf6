// `tspod --runtime runc`: every `run` case of _runCases.ts with runc instead of the
// built-in runtime, then what only an OCI runtime has: exec through `runc exec`, stop
// of a foreground runc container, the refusals (one line, exit 125, nothing created),
// crun's reason on this host, and containers.conf's default runtime.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {createServer} from 'node:net';
import {cpSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {whenAvailable} from '../../_helpers/features';
import {SEEDED} from '../../_helpers/registry';
import {runtimeAvailability} from '../../../src/runtime/ociRuntime';
import {containers, runCases} from './_runCases';

const runc = runtimeAvailability(`runc`, process.env.PATH);
const it = whenAvailable(runc.available && process.getuid!() !== 0, `runc (apt-get install runc) and an unprivileged user`);
const ALPINE = SEEDED.alpine;

const c = runCases(`runc`, it);

it(`exec runs through runc exec in a foreground runc container; stop escalates to SIGKILL`, async t => {
  const name = `fg-exec`;
  const {ready, done} = c.spawnRun([`--rm`, `--name`, name, ALPINE, `sh`, `-c`, `echo ready; sleep 60`]);
  await ready;
  const e = await c.cli([`exec`, `-w`, `/tmp`, `-e`, `FOO=bar`, name, `sh`, `-c`, `pwd; echo $FOO; ls /proc | grep -c '^[0-9]'; exit 5`]);
  t.is(e.code, 5, e.stderr);
  t.regex(e.stdout, /^\/tmp\nbar\n[2-4]\n$/, `the container's pid namespace: ${e.stdout}`);
  const u = await c.cli([`exec`, `-u`, `nobody`, name, `id`]);
  t.regex(u.stdout, /^uid=65534\(nobody\) gid=65534\(nobody\)/);
  const nf = await c.cli([`exec`, name, `nosuchcommand`]);
  t.is(nf.code, 127);
  t.regex(nf.stderr, /^Error: runc: .*"nosuchcommand": executable file not found/);
  t.notRegex(nf.stderr, /exec failed:/, `runc's own error line is not relayed`);
  const tty = await c.cli([`exec`, `-t`, name, `true`]);
  t.is(tty.code, 125);
  t.regex(tty.stderr, /^Error: exec -t in a runc container needs a terminal/);
  const [info] = await c.store().json([`inspect`, name]);
  t.is(info.OCIRuntime, `runc`);
  t.true(info.State.Pid > 0);
  // PID 1 ignores SIGTERM: stop waits -t seconds, then kills; the foreground run ends with 137.
  const st = await c.cli([`stop`, `-t`, `1`, name]);
  t.is(st.code, 0, st.stderr);
  const r = await done;
  t.is(r.code, 137, r.out);
  t.false(containers(c.store().root).some(x => x.names.includes(name)));
});

it(`the keeper hooks run for runc too: a published port answers, and no backend outlives the container`, async t => {
  const port = await new Promise<number>(resolve => {
    const srv = createServer().listen(0, `127.0.0.1`, () => {
      const p = (srv.address() as {port: number}).port;
      srv.close(() => resolve(p));
    });
  });
  const name = `fg-web`;
  const {ready, done} = c.spawnRun([`--rm`, `--name`, name, `-p`, `127.0.0.1:${port}:80`, SEEDED.busyboxGlibc, `sh`, `-c`, `echo hello-runc > /tmp/index.html; echo ready; exec httpd -f -p 80 -h /tmp`]);
  await ready;
  let body = ``;
  for (let i = 0; i < 50 && body === ``; i++) {
    try {
      body = await (await fetch(`http://127.0.0.1:${port}/index.html`)).text();
    } catch {
      await new Promise(r => setTimeout(r, 200));
    }
  }
  t.is(body, `hello-runc\n`);
  const [info] = await c.store().json([`inspect`, name]);
  const backends = () => spawnSync(`pgrep`, [`-f`, `--`, `(pasta|slirp4netns|portfwd).* ${info.State.Pid}( |$)`], {encoding: `utf8`}).stdout.trim();
  t.not(backends(), ``, `the network backend runs beside the container`);
  t.is((await c.cli([`kill`, name])).code, 0);
  t.is((await done).code, 137);
  t.is(backends(), ``, `no network backend outlives the container`);
});

it(`rm -f of a running foreground runc container kills it`, async t => {
  const {ready, done} = c.spawnRun([`--name`, `fg-rm`, ALPINE, `sh`, `-c`, `echo ready; sleep 60`]);
  await ready;
  const r = await c.cli([`rm`, `-f`, `-t`, `0`, `fg-rm`]);
  t.is(r.code, 0, r.stderr);
  t.is((await done).code, 137);
  t.false(containers(c.store().root).some(x => x.names.includes(`fg-rm`)));
});

it(`what runc cannot do here is refused: one line, exit 125, nothing created`, async t => {
  const cases: Array<[Array<string>, RegExp]> = [
    [[`run`, `-d`, `--name`, `no-d`], /^Error: run -d with --runtime runc is not supported: .*\n  fix: use tspod run --runtime runc without -d/],
    [[`run`, `--rm`, `--network`, `container:other`, `--name`, `no-d`], /^Error: --network container:other with --runtime runc is not supported/],
  ];
  for (const [args, re] of cases) {
    const r = await c.cli([...args, ALPINE, `true`], {env: c.env});
    t.is(r.code, 125, args.join(` `));
    t.regex(r.stderr, re);
    t.is(r.stderr.split(`\n`).filter(l => l !== ``).length, 2, `message and fix: ${r.stderr}`);
  }
  t.false(containers(c.store().root).some(x => x.names.includes(`no-d`)));
});

test(`--runtime crun says why it cannot run on this host; so does info`, async t => {
  const crun = runtimeAvailability(`crun`, process.env.PATH);
  const s = c.store();
  const r = await s.run([`--runtime`, `crun`, `run`, `--rm`, ALPINE, `true`], {env: c.env});
  const [info] = [await s.json([`info`, `--format`, `json`])];
  if (crun.available) {
    t.is(r.code, 0, r.stderr);
    t.true(info.host.ociRuntimes.crun.usable);
    return;
  }
  t.is(r.code, 125);
  t.regex(r.stderr, crun.path ? /^Error: --runtime crun: crun .*cannot run containers on this host: .*hybrid.*\n  fix: use --runtime runc/ : /^Error: --runtime crun: crun is not installed/);
  t.false(info.host.ociRuntimes.crun.usable);
  t.is(info.host.ociRuntimes.crun.reason, crun.reason);
  t.true(info.host.ociRuntimes.runc.usable === runc.available);
  const text = await s.run([`info`]);
  t.regex(text.stdout, /^ {4}crun: .*unusable: /m);
  const bad = await s.run([`--runtime`, `kata`, `run`, `--rm`, ALPINE, `true`], {env: c.env});
  t.is(bad.code, 125);
  t.regex(bad.stderr, /^Error: unknown OCI runtime "kata"/);
});

it(`containers.conf's [engine] runtime is the default; --runtime beats it`, async t => {
  const conf = mkdtempSync(join(tmpdir(), `tspod-conf-runc-`));
  cpSync(c.env.XDG_CONFIG_HOME!, conf, {recursive: true});
  writeFileSync(join(conf, `containers/containers.conf`), `[engine]\nruntime = "runc"\n`);
  const env = {...c.env, XDG_CONFIG_HOME: conf};
  const s = c.store();
  const r = await s.run([`run`, `--name`, `conf-default`, ALPINE, `true`], {env});
  t.is(r.code, 0, r.stderr);
  t.like(containers(s.root).find(x => x.names.includes(`conf-default`))?.metadata, {runtime: {name: `runc`}});
  const b = await s.run([`--runtime`, `tspod`, `run`, `--name`, `conf-builtin`, ALPINE, `true`], {env});
  t.is(b.code, 0, b.stderr);
  t.is(containers(s.root).find(x => x.names.includes(`conf-builtin`))?.metadata?.runtime, undefined);
});

// `exec` end to end: joins the running container's namespaces; exit codes, -e,
// -u, -w, -i, -d, --privileged, -it, signals; refused on a stopped container.
import test from 'ava';
import {spawn} from 'node:child_process';
import {mkdtempSync, readdirSync, readlinkSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';
import {TSPOD_BIN} from '../../_helpers/project';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE, async p => {
  const d = await p.s.run([`run`, `-d`, `--name`, `ex`, `-e`, `FOO=bar`, `--hostname`, `exhost`, ALPINE, `sleep`, `1000`], {env});
  if (d.code !== 0) throw new Error(`run -d: ${d.stderr}`);
});
const {env, t} = pulled;

test(`exec runs in the container's namespaces with its environment`, async tt => {
  const r = await t([`exec`, `ex`, `sh`, `-c`, `echo $FOO; hostname; cat /etc/alpine-release; echo $$; readlink /proc/1/exe`]);
  tt.is(r.code, 0, r.stderr);
  const [foo, host, rel, pid, init] = r.stdout.trim().split(`\n`);
  tt.is(foo, `bar`);
  tt.is(host, `exhost`);
  tt.regex(rel!, /^3\.20/);
  tt.not(pid, `1`);
  tt.is(init, `/bin/busybox`); // sleep is busybox: pid 1 of the container
});

test(`exec's exit code is the command's; 127 not found, 126 not executable`, async tt => {
  tt.is((await t([`exec`, `ex`, `sh`, `-c`, `exit 42`])).code, 42);
  const nf = await t([`exec`, `ex`, `nonexistent-cmd`]);
  tt.is(nf.code, 127);
  // One error, said once (the helper's own line is not repeated), in podman's words.
  tt.regex(nf.stderr, /^Error: executable file `nonexistent-cmd` not found in \$PATH: no such file or directory\n  fix: [^\n]+\n$/);
  tt.is((await t([`exec`, `ex`, `/etc/passwd`])).code, 126);
});

test(`exec -e, -u, -w`, async tt => {
  const r = await t([`exec`, `-e`, `A=1`, `-u`, `nobody`, `-w`, `/tmp`, `ex`, `sh`, `-c`, `echo $A $(id -un) $(pwd) $FOO`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout.trim(), `1 nobody /tmp bar`);
  tt.regex((await t([`exec`, `-u`, `1234:5678`, `ex`, `id`])).stdout.trim(), /^uid=1234 gid=5678\b/);
});

test(`exec -i passes stdin; without -i the command gets no stdin`, async tt => {
  tt.is((await t([`exec`, `-i`, `ex`, `cat`], `hello in\n`)).stdout, `hello in\n`);
  tt.is((await t([`exec`, `ex`, `cat`], `ignored\n`)).stdout, ``);
});

test(`exec --privileged gets every capability`, async tt => {
  const plain = (await t([`exec`, `ex`, `sh`, `-c`, `grep CapEff /proc/self/status`])).stdout;
  const priv = (await t([`exec`, `--privileged`, `ex`, `sh`, `-c`, `grep CapEff /proc/self/status`])).stdout;
  tt.not(plain, priv);
  tt.regex(priv, /CapEff:\s+000001ffffffffff|CapEff:\s+0000003fffffffff|CapEff:\s+000000ffffffffff/);
});

test(`exec -d returns at once; the command runs`, async tt => {
  const r = await t([`exec`, `-d`, `ex`, `sh`, `-c`, `echo done > /tmp/bg`]);
  tt.is(r.code, 0, r.stderr);
  tt.regex(r.stdout.trim(), /^[0-9a-f]{64}$/);
  for (let i = 0; i < 100; i++) {
    if ((await t([`exec`, `ex`, `cat`, `/tmp/bg`])).stdout === `done\n`) return tt.pass();
    await new Promise(res => setTimeout(res, 50));
  }
  tt.fail(`background exec did not run`);
});

test(`exec into a stopped container names the state`, async tt => {
  tt.is((await t([`create`, `--name`, `exc`, ALPINE, `true`])).code, 0);
  const r = await t([`exec`, `exc`, `true`]);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /can only create exec sessions on running containers: container state improper/);
  tt.regex(r.stderr, /created/);
});

test(`exec leaks no file descriptors into the container`, async tt => {
  const r = await t([`exec`, `ex`, `ls`, `/proc/self/fd`]);
  tt.deepEqual(r.stdout.trim().split(`\n`).sort(), [`0`, `1`, `2`, `3`]); // 3: ls's own directory fd
});

test(`exec's failures, each said once in podman's words: not executable, a missing -w directory`, async tt => {
  const ne = await t([`exec`, `ex`, `/etc/passwd`]);
  tt.is(ne.code, 126);
  tt.is(ne.stderr, `Error: \`/etc/passwd\` cannot be executed: permission denied (a directory, or a file without the x bit)\n  fix: check that the command is an executable file\n`);
  const wd = await t([`exec`, `-w`, `/nonexistent`, `ex`, `true`]);
  tt.is(wd.code, 127, `podman's code for it`);
  tt.is(wd.stderr, `Error: chdir \`/nonexistent\`: ENOENT\n  fix: check the -w/--workdir directory exists in the container\n`);
  const pct = await t([`exec`, `ex`, `./100%m%%`]);
  tt.is(pct.code, 127);
  tt.regex(pct.stderr, /^Error: executable file `\.\/100%m%%` not found: no such file or directory\n/);
});

test(`tspod becomes the helper (execve): the command gets a clean signal state and blocking stdio`, async tt => {
  const s = pulled.s;
  const child = spawn(process.execPath, [TSPOD_BIN, `--root`, s.root, `--runroot`, s.runroot, `exec`, `ex`, `sh`, `-c`, `grep -E '^Sig(Ign|Blk)' /proc/self/status; grep flags /proc/self/fdinfo/1; echo ready; sleep 5`], {env: {...process.env, ...env}, stdio: [`ignore`, `pipe`, `pipe`]});
  let out = ``;
  const ready = new Promise<void>(resolve => child.stdout.on(`data`, d => { out += d; if (out.includes(`ready`)) resolve(); }));
  const closed = new Promise<number | null>(resolve => child.on(`close`, resolve));
  await Promise.race([ready, closed]);
  // The pid tspod was started as is the helper's now: no node process waits beside it.
  tt.regex(readlinkSync(`/proc/${child.pid}/exe`), /tspod-helper$/);
  child.kill(`SIGKILL`);
  await closed;
  // node ignores SIGPIPE and SIGXFSZ; an ignored disposition survives execve.
  tt.regex(out, /^SigBlk:\s+0+\nSigIgn:\s+0+\n/);
  const flags = parseInt(/^flags:\s+(\d+)$/m.exec(out)?.[1] ?? `4000`, 8);
  tt.is(flags & 0o4000, 0, `stdout (the runner's socket) is not left O_NONBLOCK`);
});

test(`SIGTERM, SIGINT and SIGHUP to tspod exec reach the command`, async tt => {
  const s = pulled.s;
  for (const sig of [`SIGTERM`, `SIGINT`, `SIGHUP`] as const) {
    const name = sig.slice(3);
    const child = spawn(process.execPath, [TSPOD_BIN, `--root`, s.root, `--runroot`, s.runroot, `exec`, `ex`, `sh`, `-c`, `trap 'echo got-${name}; exit 7' ${name}; echo ready; while :; do sleep 0.1; done`], {env: {...process.env, ...env}, stdio: [`ignore`, `pipe`, `pipe`]});
    let out = ``;
    const ready = new Promise<void>(resolve => child.stdout.on(`data`, d => { out += d; if (out.includes(`ready`)) resolve(); }));
    const closed = new Promise<number | null>(resolve => child.on(`close`, resolve));
    await Promise.race([ready, closed]);
    child.kill(sig);
    const timer = setTimeout(() => child.kill(`SIGKILL`), 20_000);
    tt.is(await closed, 7, `${sig}: ${out}`);
    clearTimeout(timer);
    tt.regex(out, new RegExp(`got-${name}`));
  }
});

test(`exec -it through a real pty: a terminal inside, window size, input, exit status, the terminal restored`, async tt => {
  const s = pulled.s;
  const tspod = `${process.execPath} ${TSPOD_BIN} --root ${s.root} --runroot ${s.runroot}`;
  const cmd = `stty cols 100 rows 30; before=$(stty -g); ${tspod} exec -it ex sh -c 'tty; stty size; read line; echo got:$line; exit 3'; echo status:$?; [ "$before" = "$(stty -g)" ] && echo restored; ${tspod} exec -it ex no-such-cmd 2>/dev/null; echo status:$?`;
  const r = await new Promise<{status: number | null, stdout: string}>(resolve => {
    const child = spawn(`script`, [`-qec`, cmd, `/dev/null`], {env: {...process.env, ...env}, stdio: [`pipe`, `pipe`, `pipe`]});
    let stdout = ``;
    child.stdout.on(`data`, d => { stdout += d; });
    const timer = setTimeout(() => child.kill(`SIGKILL`), 60_000);
    child.on(`close`, status => { clearTimeout(timer); resolve({status, stdout}); });
    child.stdin.end(`typed-text\n`);
  });
  tt.regex(r.stdout, /\/dev\/pts\/\d+/);
  tt.regex(r.stdout, /30 100/);
  tt.regex(r.stdout, /got:typed-text/);
  tt.regex(r.stdout, /status:3\r?\n/);
  tt.regex(r.stdout, /restored/);
  // The failure goes to tspod's stderr (here /dev/null), not through the container's terminal.
  tt.regex(r.stdout, /status:127/);
  tt.notRegex(r.stdout, /no-such-cmd/);
});

test(`exec saves its own code cache before it becomes the helper, and the next exec reads it without writing`, async tt => {
  const cacheHome = mkdtempSync(join(tmpdir(), `tspod-exec-cache-`));
  tt.teardown(() => rmSync(cacheHome, {recursive: true, force: true}));
  const caches = () => readdirSync(join(cacheHome, `tspod`)).filter(n => n.startsWith(`code-exec-`));
  tt.is((await pulled.s.run([`exec`, `ex`, `true`], {env: {...env, XDG_CACHE_HOME: cacheHome}})).code, 0);
  tt.is(caches().length, 1);
  const path = join(cacheHome, `tspod`, caches()[0]!);
  const written = statSync(path).mtimeMs;
  tt.is((await pulled.s.run([`exec`, `ex`, `true`], {env: {...env, XDG_CACHE_HOME: cacheHome}})).code, 0);
  tt.is(statSync(path).mtimeMs, written);
});

// File descriptors passed to the container, as the unprivileged test user: --preserve-fds
// (run and exec, foreground and -d) and systemd's socket activation (LISTEN_FDS/LISTEN_PID in tspod's
// environment), and the refusals when the fds are not there.
import test from 'ava';
import {spawn} from 'node:child_process';
import {closeSync, openSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';
import {TSPOD_BIN} from '../../_helpers/project';
import type {CliResult} from '../../_helpers/runCli';

const ALPINE = SEEDED.alpine;
const fx = pulledStore(ALPINE);
const {t} = fx;

/** tspod with extra fds: `files[i]` opened for writing as its fd 3 + i. */
async function tspodWithFds(args: Array<string>, files: Array<string>, env: Record<string, string> = {}): Promise<CliResult> {
  const fds = files.map(f => openSync(f, `w`));
  try {
    return await fx.s.run(args, {env: {...fx.env, ...env}, fds});
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

// The fd lists are ls's own, exec'd by the shell (a pipeline's pipes would show, or not, as
// they come and go): the last fd listed is ls's directory.
test(`--preserve-fds 2: the container's fds 3 and 4 are tspod's, and nothing more is open`, async tt => {
  const [a, b] = [join(fx.dir, `fd3.txt`), join(fx.dir, `fd4.txt`)];
  const r = await tspodWithFds([`run`, `--rm`, `--network`, `none`, `--preserve-fds`, `2`, ALPINE, `sh`, `-c`, `echo three >&3; echo four >&4; exec ls /proc/self/fd`], [a, b]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout.trim(), `0\n1\n2\n3\n4\n5`);
  tt.is(readFileSync(a, `utf8`), `three\n`);
  tt.is(readFileSync(b, `utf8`), `four\n`);
  // Without the flag, no fd beyond 2 reaches the container.
  const plain = await tspodWithFds([`run`, `--rm`, `--network`, `none`, ALPINE, `ls`, `/proc/self/fd`], [join(fx.dir, `unused.txt`)]);
  tt.is(plain.code, 0, plain.stderr);
  // ls's own directory is its fd 3.
  tt.is(plain.stdout.trim(), `0\n1\n2\n3`);
});

test(`run -d --preserve-fds: the monitor hands the fd to the container`, async tt => {
  const out = join(fx.dir, `detached.txt`);
  const r = await tspodWithFds([`run`, `-d`, `--name`, `pfd-d`, `--network`, `none`, `--preserve-fds`, `1`, ALPINE, `sh`, `-c`, `echo detached >&3; exec ls /proc/self/fd`], [out]);
  tt.is(r.code, 0, r.stderr);
  tt.teardown(() => t([`rm`, `-f`, `-t`, `0`, `pfd-d`]));
  tt.is((await t([`wait`, `pfd-d`])).stdout.trim(), `0`);
  tt.is(readFileSync(out, `utf8`), `detached\n`);
  tt.is((await t([`logs`, `pfd-d`])).stdout.trim(), `0\n1\n2\n3\n4`);
});

test(`exec --preserve-fds: in place and with -d (the helper spawned), the command gets the fds, nothing more`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `pfd-x`, `--network`, `none`, ALPINE, `sleep`, `1000`])).code, 0);
  tt.teardown(() => t([`rm`, `-f`, `-t`, `0`, `pfd-x`]));
  const [a, b] = [join(fx.dir, `exec3.txt`), join(fx.dir, `exec4.txt`)];
  const r = await tspodWithFds([`exec`, `--preserve-fds`, `2`, `pfd-x`, `sh`, `-c`, `echo three >&3; echo four >&4; exec ls /proc/self/fd`], [a, b]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout.trim(), `0\n1\n2\n3\n4\n5`);
  tt.is(readFileSync(a, `utf8`), `three\n`);
  tt.is(readFileSync(b, `utf8`), `four\n`);
  const d = join(fx.dir, `execd.txt`);
  const detached = await tspodWithFds([`exec`, `-d`, `--preserve-fds`, `1`, `pfd-x`, `sh`, `-c`, `echo detached >&3`], [d]);
  tt.is(detached.code, 0, detached.stderr);
  let text = ``;
  for (let i = 0; i < 100 && text === ``; i++) {
    await new Promise(res => setTimeout(res, 50));
    text = readFileSync(d, `utf8`);
  }
  tt.is(text, `detached\n`);
  const missing = await t([`exec`, `--preserve-fds`, `1`, `pfd-x`, `true`]);
  tt.is(missing.code, 125);
  tt.regex(missing.stderr, /file descriptor 3 was not passed to tspod/);
});

test(`socket activation: LISTEN_FDS for tspod's pid passes the fds, with LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID=1 inside`, async tt => {
  const out = join(fx.dir, `activated.txt`);
  const fd = openSync(out, `w`);
  // As systemd: LISTEN_PID is the pid of the process it starts (exec keeps the shell's).
  const script = `LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=web exec "$@"`;
  const child = spawn(`sh`, [`-c`, script, `sh`, process.execPath, TSPOD_BIN, `--root`, fx.s.root, `--runroot`, fx.s.runroot,
    `run`, `--rm`, `--network`, `none`, ALPINE, `sh`, `-c`, `echo $LISTEN_FDS $LISTEN_PID $LISTEN_FDNAMES; echo socket >&3`], {env: {...process.env, ...fx.env}, stdio: [`ignore`, `pipe`, `pipe`, fd]});
  closeSync(fd);
  let stdout = ``, stderr = ``;
  child.stdout!.on(`data`, d => { stdout += d; });
  child.stderr!.on(`data`, d => { stderr += d; });
  const code = await new Promise(resolve => child.on(`close`, resolve));
  const r = {code, stdout, stderr};
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout.trim(), `1 1 web`);
  tt.is(readFileSync(out, `utf8`), `socket\n`);
  // Another process's LISTEN_* (inherited by a child of the activated one) pass nothing.
  const other = await tspodWithFds([`run`, `--rm`, `--network`, `none`, ALPINE, `sh`, `-c`, `echo "[$LISTEN_FDS]"; exec ls /proc/self/fd`], [join(fx.dir, `other.txt`)], {LISTEN_PID: `1`, LISTEN_FDS: `1`});
  tt.is(other.code, 0, other.stderr);
  tt.is(other.stdout.trim(), `[]\n0\n1\n2\n3`);
});

test(`--preserve-fds without the fds open, or not a number, is refused before anything is made`, async tt => {
  const r = await t([`run`, `--rm`, `--name`, `pfd-bad`, `--preserve-fds`, `1`, ALPINE, `true`]);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /^Error: file descriptor 3 was not passed to tspod/);
  tt.is((await t([`container`, `exists`, `pfd-bad`])).code, 1);
  const bad = await t([`run`, `--rm`, `--preserve-fds`, `two`, ALPINE, `true`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /invalid --preserve-fds "two"/);
});

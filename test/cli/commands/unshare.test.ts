// tspod unshare, as the unprivileged test user with its real /etc/subuid range.
import test from 'ava';
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir, userInfo} from 'node:os';
import {join} from 'node:path';
import {runTspod, tempStore} from '../../_helpers/runCli';
import {TSPOD_BIN} from '../../_helpers/project';

/** The user's first /etc/subuid range start, as the helper maps it. */
function subuidBase(): number {
  const me = userInfo();
  const line = readFileSync(`/etc/subuid`, `utf8`).split(`\n`).find(l => l.startsWith(`${me.username}:`) || l.startsWith(`${me.uid}:`));
  if (!line) throw new Error(`the test user has no /etc/subuid range`);
  return Number(line.split(`:`)[1]);
}

test(`the command runs as root of the user's mapping and its status is tspod's`, async t => {
  const id = await runTspod([`unshare`, `id`, `-u`]);
  t.is(id.code, 0, id.stderr);
  t.is(id.stdout, `0\n`);
  const map = await runTspod([`unshare`, `cat`, `/proc/self/uid_map`]);
  const rows = map.stdout.trim().split(`\n`).map(l => l.trim().split(/\s+/).map(Number));
  t.deepEqual(rows[0], [0, process.getuid!(), 1]);
  t.deepEqual(rows[1]?.slice(0, 2), [1, subuidBase()]);
  t.is((await runTspod([`unshare`, `sh`, `-c`, `exit 7`])).code, 7);
  // Options after the command are the command's; `--` ends tspod's.
  const dashed = await runTspod([`unshare`, `--`, `sh`, `-c`, `echo "$0" "$1"`, `a`, `--help`]);
  t.is(dashed.stdout, `a --help\n`);
});

test(`files of subordinate ids are the user's to change inside, not outside`, async t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-unshare-`));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const d = join(dir, `d`);
  const made = await runTspod([`unshare`, `sh`, `-c`, `mkdir "$1" && touch "$1/f" && chown -R 1000:1000 "$1" && chmod 700 "$1"`, `sh`, d]);
  t.is(made.code, 0, made.stderr);
  t.is(statSync(d).uid, subuidBase() + 999, `uid 1000 inside is base+999 on the host`);
  t.throws(() => readdirSync(d), {code: `EACCES`});
  const rm = await runTspod([`unshare`, `rm`, `-rf`, d]);
  t.is(rm.code, 0, rm.stderr);
  t.throws(() => statSync(d), {code: `ENOENT`});
});

test(`mounts made inside stay inside`, async t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-unshare-`));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  mkdirSync(join(dir, `m`));
  const r = await runTspod([`unshare`, `sh`, `-c`, `mount -t tmpfs none "$1" && touch "$1/x" && ls "$1"`, `sh`, join(dir, `m`)]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `x\n`);
  t.deepEqual(readdirSync(join(dir, `m`)), []);
});

test(`the environment names tspod's store`, async t => {
  const store = tempStore();
  t.teardown(() => store.cleanup());
  const r = await store.run([`unshare`, `sh`, `-c`, `echo "$CONTAINERS_GRAPHROOT $CONTAINERS_RUNROOT"`]);
  t.is(r.stdout, `${store.root} ${store.runroot}\n`);
});

test(`a missing command is 127, one that cannot run 126, --rootless-netns 125: one clear error each`, async t => {
  const missing = await runTspod([`unshare`, `no-such-command-x`]);
  t.is(missing.code, 127);
  t.regex(missing.stderr, /^Error: executable file `no-such-command-x` not found in \$PATH\n/);
  const dir = await runTspod([`unshare`, `/etc`]);
  t.is(dir.code, 126);
  t.regex(dir.stderr, /^Error: `\/etc` cannot be executed/);
  const netns = await runTspod([`unshare`, `--rootless-netns`, `id`]);
  t.is(netns.code, 125);
  t.regex(netns.stderr, /^Error: --rootless-netns: tspod has no shared rootless network namespace/);
  const help = await runTspod([`unshare`, `--help`]);
  t.is(help.code, 0);
  t.regex(help.stdout, /Run a command in a modified user namespace/);
});

test(`SIGTERM to tspod reaches the command`, async t => {
  const child = spawn(process.execPath, [TSPOD_BIN, `unshare`, `sh`, `-c`, `trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done`], {stdio: [`ignore`, `pipe`, `pipe`]});
  await new Promise<void>(resolve => child.stdout.once(`data`, () => resolve()));
  child.kill(`SIGTERM`);
  const code = await new Promise<number | null>(resolve => child.on(`close`, c => resolve(c)));
  t.is(code, 42);
});

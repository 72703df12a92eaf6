// `logs` end to end: the k8s-file log of detached containers (the monitor's) and of
// foreground runs (the helper's relay), running and exited.
import test from 'ava';
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {TSPOD_BIN} from '../../_helpers/project';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE);
const {t} = pulled;

test(`logs of an exited container: stdout and stderr, partial last line; k8s-file format on disk`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `lg1`, ALPINE, `sh`, `-c`, `echo one; echo two >&2; printf three`])).code, 0);
  tt.is((await t([`wait`, `lg1`])).stdout.trim(), `0`);
  const r = await t([`logs`, `lg1`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout, `one\nthree`);
  tt.is(r.stderr, `two\n`);
  const path = (await t([`inspect`, `--format`, `{{.HostConfig.LogConfig.Path}}`, `lg1`])).stdout.trim();
  const lines = readFileSync(path, `utf8`).trim().split(`\n`);
  tt.regex(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d stdout F one$/);
  tt.true(lines.some(l => / stderr F two$/.test(l)));
  tt.regex(lines[lines.length - 1]!, / stdout P three$/);
});

test(`logs --tail, -t, --since, --until`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `lg2`, ALPINE, `sh`, `-c`, `for i in 1 2 3 4 5; do echo line$i; done`])).code, 0);
  await t([`wait`, `lg2`]);
  tt.is((await t([`logs`, `--tail`, `2`, `lg2`])).stdout, `line4\nline5\n`);
  tt.is((await t([`logs`, `--tail`, `0`, `lg2`])).stdout, ``);
  tt.regex((await t([`logs`, `-t`, `--tail`, `1`, `lg2`])).stdout, /^\d{4}-\d\d-\d\dT\S+ line5\n$/);
  tt.is((await t([`logs`, `--since`, `2000-01-01T00:00:00Z`, `lg2`])).stdout.split(`\n`).length, 6);
  tt.is((await t([`logs`, `--until`, `2000-01-01T00:00:00Z`, `lg2`])).stdout, ``);
  tt.is((await t([`logs`, `--since`, `1h`, `--tail`, `1`, `lg2`])).stdout, `line5\n`);
  // As podman's: a duration is that long after now for --until (everything so far), before now for --since.
  tt.is((await t([`logs`, `--until`, `1h`, `lg2`])).stdout.split(`\n`).length, 6);
  tt.is((await t([`logs`, `--since`, `90m`, `--until`, `500ms`, `--tail`, `1`, `lg2`])).stdout, `line5\n`);
});

test(`logs -f follows a running container until it exits`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `lg3`, ALPINE, `sh`, `-c`, `echo a; sleep 1; echo b`])).code, 0);
  const r = await t([`logs`, `-f`, `lg3`]);
  tt.is(r.code, 0);
  tt.is(r.stdout, `a\nb\n`);
});

test(`several containers: lines merged by time, and -f follows them all at once`, async tt => {
  // lgt1 writes at once and 4 s later, lgt2 in between: merged, the order is a1 b1 a2.
  tt.is((await t([`run`, `-d`, `--name`, `lgt1`, ALPINE, `sh`, `-c`, `echo a1; sleep 4; echo a2; sleep 1`])).code, 0);
  tt.is((await t([`run`, `-d`, `--name`, `lgt2`, ALPINE, `sh`, `-c`, `echo b1; sleep 0.3`])).code, 0);
  // Followed together: both to the end (one after the other, lgt2's line would come after a2).
  const started = Date.now();
  const f = await t([`logs`, `-f`, `-n`, `lgt1`, `lgt2`]);
  tt.is(f.code, 0, f.stderr);
  tt.deepEqual(f.stdout.trim().split(`\n`), [`lgt1 a1`, `lgt2 b1`, `lgt1 a2`]);
  tt.true(Date.now() - started < 15_000);
  const merged = await t([`logs`, `-n`, `lgt1`, `lgt2`]);
  tt.deepEqual(merged.stdout.trim().split(`\n`), [`lgt1 a1`, `lgt2 b1`, `lgt1 a2`]);
});

test(`--log-opt max-size rotates the log`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `lg4`, `--log-opt`, `max-size=2k`, ALPINE, `sh`, `-c`, `i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done`])).code, 0);
  await t([`wait`, `lg4`]);
  const path = (await t([`inspect`, `--format`, `{{.HostConfig.LogConfig.Path}}`, `lg4`])).stdout.trim();
  tt.true(readFileSync(path).length <= 2048);
  tt.true(readFileSync(`${path}.1`).length <= 2048);
  const out = (await t([`logs`, `lg4`])).stdout.trim().split(`\n`);
  tt.is(out[out.length - 1], `line-199`);
});

test(`several containers: each line starts with its container's short ID, or its name with -n; --color colours that`, async tt => {
  const a = (await t([`run`, `-d`, `--name`, `lgm1`, ALPINE, `echo`, `from one`])).code;
  const b = (await t([`run`, `-d`, `--name`, `lgm2`, ALPINE, `echo`, `from two`])).code;
  tt.deepEqual([a, b], [0, 0]);
  await t([`wait`, `lgm1`, `lgm2`]);
  const id = async (n: string) => (await t([`inspect`, `--format`, `{{.Id}}`, n])).stdout.trim().slice(0, 12);
  tt.is((await t([`logs`, `lgm1`, `lgm2`])).stdout, `${await id(`lgm1`)} from one\n${await id(`lgm2`)} from two\n`);
  tt.is((await t([`logs`, `-n`, `lgm1`, `lgm2`])).stdout, `lgm1 from one\nlgm2 from two\n`);
  tt.is((await t([`logs`, `--names`, `lgm1`])).stdout, `from one\n`, `one container: no prefix`);
  tt.regex((await t([`logs`, `-n`, `--color`, `lgm1`, `lgm2`])).stdout, /^\x1b\[31mlgm1\x1b\[0m from one\n\x1b\[32mlgm2\x1b\[0m from two\n$/);
});

test(`a foreground run shows its output and keeps it in the log, as podman does`, async tt => {
  const r = await t([`run`, `--name`, `lgf1`, `--network`, `none`, ALPINE, `sh`, `-c`, `test -t 1 || echo one; echo two >&2; printf three; exit 3`]);
  tt.is(r.code, 3, r.stderr);
  tt.is(r.stdout, `one\nthree`, `the container's stdout is a pipe, as under conmon, not tspod's own`);
  tt.is(r.stderr, `two\n`);
  const l = await t([`logs`, `lgf1`]);
  tt.is(l.code, 0, l.stderr);
  tt.is(l.stdout, `one\nthree`);
  tt.is(l.stderr, `two\n`);
  const path = (await t([`inspect`, `--format`, `{{.HostConfig.LogConfig.Path}}`, `lgf1`])).stdout.trim();
  tt.regex(readFileSync(path, `utf8`), / stdout F one\n.* stderr F two\n.* stdout P three\n$/s);
});

test(`a foreground run logs the streams -a does not show, and a terminal's output as stdout`, async tt => {
  const a = await t([`run`, `--name`, `lgf2`, `-a`, `stdout`, `--network`, `none`, ALPINE, `sh`, `-c`, `echo shown; echo hidden >&2`]);
  tt.is(a.code, 0, a.stderr);
  tt.is(a.stdout, `shown\n`);
  tt.is(a.stderr, ``);
  tt.is((await t([`logs`, `lgf2`])).stderr, `hidden\n`);
  // -t without a terminal: the container still gets a pty, which the helper relays and logs.
  const tty = await t([`run`, `--name`, `lgf3`, `-t`, `--network`, `none`, ALPINE, `sh`, `-c`, `test -t 1 && echo on-a-tty`]);
  tt.is(tty.code, 0, tty.stderr);
  tt.is((await t([`logs`, `lgf3`])).stdout, `on-a-tty\r\n`);
});

test(`a foreground run whose reader goes away ends, as without the relay`, async tt => {
  // `tspod run ... yes | head -1`: once tspod's stdout is closed, the container's writes fail and it ends.
  // Without --rm, so the output goes through the helper's relay (a --rm run writes to tspod's stdio directly).
  const child = spawn(process.execPath, [TSPOD_BIN, `--root`, pulled.s.root, `--runroot`, pulled.s.runroot, `run`, `--name`, `lgf-yes`, `--network`, `none`, ALPINE, `yes`],
    {env: {...process.env, ...pulled.env}, stdio: [`ignore`, `pipe`, `ignore`]});
  const code = await new Promise<number | null>(resolve => {
    const timer = setTimeout(() => child.kill(`SIGKILL`), 30_000);
    child.stdout.once(`data`, () => child.stdout.destroy());
    child.on(`close`, c => { clearTimeout(timer); resolve(c); });
  });
  tt.not(code, null, `still running after 30 s`);
  tt.not(code, 0);
  tt.true((await t([`logs`, `lgf-yes`])).stdout.startsWith(`y\ny\n`), `what it wrote is in the log`);
});

test(`a foreground --rm run is not relayed: the container writes to tspod's own stdio`, async tt => {
  // Its log would go with it at exit; the relay would cost every run --rm (bench/run).
  const r = await t([`run`, `--rm`, `--network`, `none`, ALPINE, `sh`, `-c`, `echo out; echo err >&2`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout, `out\n`);
  tt.is(r.stderr, `err\n`);
});

test(`--log-driver none and passthrough keep no log: logs says so; json-file is k8s-file; passthrough refuses -t`, async tt => {
  for (const [name, driver] of [[`lgn1`, `none`], [`lgn2`, `passthrough`]] as const) {
    const r = await t([`run`, `--name`, name, `--log-driver`, driver, `--network`, `none`, ALPINE, `echo`, `direct`]);
    tt.is(r.code, 0, r.stderr);
    tt.is(r.stdout, `direct\n`);
    const l = await t([`logs`, name]);
    tt.is(l.code, 125);
    tt.is(l.stderr.split(`\n`)[0], `Error: this container is using the '${driver}' log driver, cannot read logs: this container is not logging output`);
    tt.is((await t([`inspect`, `--format`, `{{.HostConfig.LogConfig.Type}}`, name])).stdout.trim(), driver);
  }
  // Detached: the monitor writes no log either.
  tt.is((await t([`run`, `-d`, `--name`, `lgn3`, `--log-driver`, `none`, ALPINE, `echo`, `gone`])).code, 0);
  await t([`wait`, `lgn3`]);
  tt.is((await t([`logs`, `lgn3`])).code, 125);
  tt.is((await t([`run`, `-d`, `--name`, `lgn4`, `--log-driver`, `json-file`, ALPINE, `echo`, `kept`])).code, 0);
  await t([`wait`, `lgn4`]);
  tt.is((await t([`logs`, `lgn4`])).stdout, `kept\n`);
  const tty = await t([`run`, `--rm`, `-t`, `--log-driver`, `passthrough`, ALPINE, `true`]);
  tt.is(tty.code, 125);
  tt.regex(tty.stderr, /passthrough' log driver cannot be used with -t/);
  const bad = await t([`run`, `--rm`, `--log-driver`, `journald`, ALPINE, `true`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /--log-driver journald is not supported/);
});

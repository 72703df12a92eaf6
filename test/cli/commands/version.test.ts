import test from 'ava';
import {runTspod, tempStore} from '../../_helpers/runCli';

test(`--version prints the version`, async t => {
  const r = await runTspod([`--version`]);
  t.is(r.code, 0);
  t.regex(r.stdout, /^tspod version \d+\.\d+\.\d+/);
});

test(`--version after global options still prints the version`, async t => {
  const r = await runTspod([`--root`, `/nonexistent/r`, `--version`]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^tspod version \d+\.\d+\.\d+/);
});

test(`version --format json`, async t => {
  const r = await runTspod([`version`, `--format`, `json`]);
  t.is(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  t.regex(v.Client.Version, /^\d+\.\d+\.\d+/);
  t.is(v.Client.OsArch, `linux/amd64`);
  const tpl = await runTspod([`version`, `--format`, `{{.Client.Version}} {{.Client.Os}}`]);
  t.is(tpl.stdout, `${v.Client.Version} linux\n`, tpl.stderr);
});

test(`an unknown command is one line and exit 125`, async t => {
  const r = await runTspod([`frobnicate`]);
  t.is(r.code, 125);
  t.regex(r.stderr, /^Error: unrecognized command `tspod frobnicate`/);
  t.notRegex(r.stderr, /\n\s+at /, `no stack trace`);
});

test(`an unknown flag is one line and exit 125`, async t => {
  const r = await runTspod([`info`, `--no-such-flag`]);
  t.is(r.code, 125);
  t.is(r.stderr, `Error: unknown flag: --no-such-flag\nSee 'tspod info --help'.\n`);
  const img = await runTspod([`image`, `ls`, `--bogus`]);
  t.is(img.stderr, `Error: unknown flag: --bogus\nSee 'tspod image ls --help'.\n`);
});

test(`an unknown command after global options is named without their values`, async t => {
  // Clipanion alone would trip on --root ("Unsupported option name") for a command it lacks.
  const r = await runTspod([`--root`, `/nonexistent/r`, `--log-level`, `debug`, `frobnicate`, `ls`]);
  t.is(r.code, 125);
  t.regex(r.stderr, /^Error: unrecognized command `tspod frobnicate ls`\nTry 'tspod --help' for more information\.\n$/);
});

test(`--help works on every command`, async t => {
  for (const args of [[`--help`], [`info`, `--help`], [`version`, `--help`]]) {
    const r = await runTspod(args);
    t.is(r.code, 0, `${args.join(` `)}: ${r.stderr}`);
    t.regex(r.stdout, /Usage|tspod/);
  }
});

test(`a bad --log-level is refused with the valid values`, async t => {
  const store = tempStore();
  t.teardown(() => store.cleanup());
  const r = await store.run([`--log-level`, `loud`, `info`]);
  t.is(r.code, 125);
  t.regex(r.stderr, /invalid log level "loud"/);
  t.regex(r.stderr, /debug, info, warn, error/);
});

test(`a missing argument names the command and exits 125`, async t => {
  const r = await runTspod([`pull`]);
  t.is(r.code, 125);
  t.regex(r.stderr, /^Error: missing argument: "tspod pull" needs more arguments/);
  t.notRegex(r.stderr, /\n\s+at /);
});

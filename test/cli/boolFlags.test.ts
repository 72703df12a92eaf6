// `--flag=true|false` as podman takes it, for clipanion's boolean options.
import test from 'ava';
import {rewriteBooleanAssignment} from '../../src/cli/boolFlags';
import {runTspod, tempStore} from '../_helpers/runCli';

const rejected = (token: string) => new Error(`Invalid option name ("${token}").`);

test(`the rejected token becomes --flag or --no-flag; the container's own arguments stay`, t => {
  const argv = [`run`, `--rm=false`, `alpine`, `echo`, `--rm=false`];
  t.deepEqual(rewriteBooleanAssignment(argv, rejected(`--rm=false`)), [`run`, `--no-rm`, `alpine`, `echo`, `--rm=false`]);
  t.deepEqual(rewriteBooleanAssignment([`rm`, `--force=TRUE`, `x`], rejected(`--force=TRUE`)), [`rm`, `--force`, `x`]);
  t.is(rewriteBooleanAssignment([`rm`, `--force=yes`], rejected(`--force=yes`)), undefined);
  t.is(rewriteBooleanAssignment([`rm`, `-f`], new Error(`Not enough positional arguments`)), undefined);
});

test(`the CLI takes --quiet=true and --tls-verify=false like podman`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const q = await s.run([`images`, `--quiet=true`, `--noheading=false`]);
  t.is(q.code, 0, q.stderr);
  t.is(q.stdout, ``);
  const login = await runTspod([`login`, `--tls-verify=false`, `-u`, `a`, `-p`, `b`, `127.0.0.1:1`]);
  t.is(login.code, 125);
  t.regex(login.stderr, /^Error: cannot connect to registry 127\.0\.0\.1:1: connection refused/);
  const bad = await runTspod([`images`, `--bogus=true`]);
  t.is(bad.code, 125);
  t.is(bad.stderr, `Error: unknown flag: --bogus\nSee 'tspod images --help'.\n`);
});

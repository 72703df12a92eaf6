// The direct parse must build exactly the command clipanion builds, or step aside.
// Each line is parsed both ways with the real command classes; every option field,
// positional and the path must be equal. Lines in MUST_BE_FAST must take the fast
// path (or the speed-up silently disappears); the others may defer to clipanion.
import test from 'ava';
import {cliFor} from '../../src/cli/main';
import {fastProcess} from '../../src/cli/fastParse';
import {rewriteBooleanAssignment} from '../../src/cli/boolFlags';
import type {TspodContext} from '../../src/cli/BaseCommand';

const context = {env: {}, installDir: `/x`, isTTY: false, colorDepth: 1, failure: {}} as unknown as TspodContext;

const MUST_BE_FAST: Array<Array<string>> = [
  [`run`, `--rm`, `alpine`, `true`],
  [`run`, `--rm`, `--network`, `none`, `alpine`, `true`],
  [`run`, `-it`, `--name`, `web`, `-e`, `A=1`, `-e`, `B=2`, `-v`, `/a:/b:ro`, `-p`, `8080:80`, `alpine`, `sh`, `-c`, `echo --rm -x`],
  [`run`, `-d`, `--restart=always`, `--env=X=y=z`, `busybox`, `httpd`, `-f`, `-p`, `80`],
  [`run`, `--rm=false`, `--sig-proxy=false`, `alpine`, `ls`, `--rm=false`],
  [`run`, `--no-sig-proxy`, `alpine`],
  [`run`, `alpine`, `--`, `x`],
  [`run`, `--`, `alpine`, `x`],
  [`--root`, `/r`, `--runroot=/rr`, `run`, `--rm`, `alpine`],
  [`create`, `--name`, `c1`, `--hostname`, `h`, `alpine`, `sleep`, `9`],
  [`exec`, `-i`, `c1`, `sh`, `-c`, `echo hi`],
  [`exec`, `-e`, `A=1`, `-u`, `0`, `-w`, `/tmp`, `c1`, `ls`, `-l`],
  [`ps`, `-a`, `--format`, `json`],
  [`ps`, `-aq`],
  [`images`, `--quiet=true`],
  [`rm`, `-f`, `a`, `b`, `c`],
  [`logs`, `--tail`, `3`, `c1`],
  [`stop`, `-t`, `0`, `c1`, `c2`],
  [`container`, `inspect`, `--format`, `{{.State.Pid}}`, `c1`],
  [`image`, `ls`, `-a`],
  [`inspect`, `--type`, `image`, `alpine`],
  [`pull`, `-q`, `alpine`],
  [`volume`, `ls`],
  [`system`, `check`, `--quick`],
];

const MAY_DEFER: Array<Array<string>> = [
  [`run`, `--help`],
  [`run`, `alpine`, `sh`, `-c`, `x --help`],
  [`run`, `--bogus`, `alpine`],
  [`run`, `--name`],
  [`run`, `--name`, `-x`, `alpine`],
  [`run`],
  [`rm`, `-fx`, `a`],
  [`ps`, `extra`],
  [`version`],
  [`--version`],
  [`container`, `nosuch`],
  [`image`, `inspect`],
];

async function both(argv: Array<string>): Promise<{fast: unknown, slow: unknown, keys: Array<string>}> {
  const a = await cliFor(argv);
  const fast = fastProcess(a.cli, a.classes, argv, context);
  const b = await cliFor(argv);
  // main.ts's way: `--flag=true|false` refused by clipanion is rewritten and parsed again.
  let slow: unknown;
  for (let line = argv; ;) {
    try {
      slow = b.cli.process(line, context);
      break;
    } catch (err) {
      const again = rewriteBooleanAssignment(line, err);
      if (again) { line = again; continue; }
      slow = err;
      break;
    }
  }
  const reg = (b.cli as unknown as {registrations: Map<unknown, {specs: Map<string, unknown>}>}).registrations;
  const keys = slow && typeof slow === `object` && reg.has((slow as object).constructor) ? [...reg.get((slow as object).constructor)!.specs.keys()] : [];
  return {fast, slow, keys};
}

function fields(cmd: unknown, keys: Array<string>): Record<string, unknown> {
  const c = cmd as Record<string, unknown>;
  return Object.fromEntries([[`path`, c.path], ...keys.map(k => [k, c[k]])]);
}

for (const argv of MUST_BE_FAST) {
  test(`fast and clipanion agree: ${argv.join(` `)}`, async t => {
    const {fast, slow, keys} = await both(argv);
    t.truthy(fast, `the fast path deferred`);
    t.false(slow instanceof Error, String(slow));
    t.deepEqual(((fast as object).constructor as {paths?: unknown}).paths, ((slow as object).constructor as {paths?: unknown}).paths);
    t.true(keys.length > 0);
    t.deepEqual(fields(fast, keys), fields(slow, keys));
  });
}

test(`lines the fast path is not sure of go to clipanion, or agree with it`, async t => {
  for (const argv of MAY_DEFER) {
    const {fast, slow, keys} = await both(argv);
    if (fast === undefined) continue;
    t.false(slow instanceof Error, `${argv.join(` `)}: fast parsed what clipanion refuses: ${String(slow)}`);
    t.deepEqual(fields(fast, keys), fields(slow, keys), argv.join(` `));
  }
  const {fast} = await both([`run`, `--bogus`, `alpine`]);
  t.is(fast, undefined);
});

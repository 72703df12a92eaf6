// pflag's attached short values (`-p8080:80`, `-eX=1`, `rm -ft0`) are split into the words
// clipanion reads, with the real command classes; the container's own words never are.
import test from 'ava';
import {cliFor} from '../../src/cli/main';
import {commandOptions, matchLine} from '../../src/cli/fastParse';
import {splitShortValues} from '../../src/cli/shortValues';
import type {TspodContext} from '../../src/cli/BaseCommand';

const context = {env: {}, installDir: `/x`, isTTY: false, colorDepth: 1, failure: {}} as unknown as TspodContext;

async function split(argv: Array<string>): Promise<Array<string>> {
  const {cli, classes} = await cliFor(argv);
  const match = matchLine(cli, classes, argv);
  if (!match) throw new Error(`no command for ${argv.join(` `)}`);
  const own = commandOptions(match);
  return splitShortValues(argv, own.builder, own.rest);
}

const CASES: Array<[Array<string>, Array<string>]> = [
  [[`run`, `-p8080:80`, `alpine`], [`run`, `-p`, `8080:80`, `alpine`]],
  [[`run`, `-dp8080:80`, `alpine`], [`run`, `-d`, `-p`, `8080:80`, `alpine`]],
  [[`run`, `-eFOO=bar`, `-w/tmp`, `-uroot`, `alpine`], [`run`, `-e`, `FOO=bar`, `-w`, `/tmp`, `-u`, `root`, `alpine`]],
  [[`run`, `-e=X=1`, `alpine`], [`run`, `-e`, `X=1`, `alpine`]],
  [[`run`, `-it=false`, `alpine`], [`run`, `-i`, `--no-tty`, `alpine`]],
  [[`run`, `-i=true`, `alpine`], [`run`, `-i`, `alpine`]],
  [[`run`, `-dv`, `/a:/b`, `alpine`], [`run`, `-d`, `-v`, `/a:/b`, `alpine`]],
  // A value that looks like an option is still the value: bound to the long name.
  [[`run`, `-e`, `-uX`, `alpine`], [`run`, `--env=-uX`, `alpine`]],
  [[`run`, `--pids-limit`, `-1`, `alpine`], [`run`, `--pids-limit=-1`, `alpine`]],
  [[`logs`, `--tail`, `-1`, `c1`], [`logs`, `--tail=-1`, `c1`]],
  // Batches of booleans are clipanion's own.
  [[`run`, `-it`, `alpine`, `sh`], [`run`, `-it`, `alpine`, `sh`]],
  // After the image, the words are the container's.
  [[`run`, `--rm`, `alpine`, `echo`, `-eFOO`, `-w/x`], [`run`, `--rm`, `alpine`, `echo`, `-eFOO`, `-w/x`]],
  [[`run`, `--name`, `-p1`, `alpine`, `-p2`], [`run`, `--name=-p1`, `alpine`, `-p2`]],
  [[`run`, `--`, `-p1`, `alpine`], [`run`, `--`, `-p1`, `alpine`]],
  [[`exec`, `-uroot`, `c1`, `ls`, `-la`], [`exec`, `-u`, `root`, `c1`, `ls`, `-la`]],
  // Commands whose options may follow their arguments.
  [[`rm`, `-ft0`, `c1`, `c2`], [`rm`, `-f`, `-t`, `0`, `c1`, `c2`]],
  [[`stop`, `c1`, `-t5`], [`stop`, `c1`, `-t`, `5`]],
  // Unknown letters are left for clipanion to refuse.
  [[`rm`, `-fx`, `a`], [`rm`, `-fx`, `a`]],
];

for (const [argv, want] of CASES) {
  test(`split: ${argv.join(` `)}`, async t => {
    t.deepEqual(await split(argv), want);
  });
}

test(`the split line parses as podman reads it`, async t => {
  const argv = await split([`run`, `-dp8080:80`, `-eA=1`, `-w/srv`, `alpine`, `sh`]);
  const {cli} = await cliFor(argv);
  const cmd = cli.process(argv, context) as unknown as Record<string, unknown>;
  t.is(cmd.detach, true);
  t.deepEqual(cmd.publish, [`8080:80`]);
  t.deepEqual(cmd.env, [`A=1`]);
  t.is(cmd.workdir, `/srv`);
});

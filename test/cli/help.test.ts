// tspod's listings as podman prints them: `--help`, `help [COMMAND]`, no command at all,
// and a group word alone; each line's description is the command class's own.
import test from 'ava';
import {runTspod} from '../_helpers/runCli';
import {commandTable, groupDescriptions} from '../../src/cli/commands';
import {describe, helpPlan} from '../../src/cli/help';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, `\\$&`);

/** The class description `path` runs, as the listing must show it. */
async function descriptionOf(path: Array<string>): Promise<string> {
  const entry = commandTable.find(e => e.paths.some(p => p.join(` `) === path.join(` `)));
  if (!entry) throw new Error(`no command ${path.join(` `)}`);
  return describe(await entry.load());
}

/** The names under "Available Commands:". */
function listed(stdout: string): Array<string> {
  const section = stdout.split(`Available Commands:\n`)[1]!.split(`\n\n`)[0]!;
  return section.split(`\n`).filter(l => l.trim() !== ``).map(l => l.trim().split(/\s+/)[0]!);
}

test(`--help lists each command once, sorted, with its own description, and exits 0`, async t => {
  const r = await runTspod([`--help`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, ``);
  t.regex(r.stdout, /^Usage:\n {2}tspod \[options\] \[command\]$/m);
  for (const name of [`run`, `ps`, `images`, `pull`])
    t.regex(r.stdout, new RegExp(`^ {2}${name} +${escape(await descriptionOf([name]))}$`, `m`), name);
  for (const group of [`image`, `container`, `system`, `volume`])
    t.regex(r.stdout, new RegExp(`^ {2}${group} +${escape(groupDescriptions[group]!)}$`, `m`), group);
  const names = listed(r.stdout);
  t.deepEqual(names, [...new Set(names)].sort(), `sorted, no duplicates`);
  t.true(names.includes(`inspect`) && names.includes(`help`));
  t.false(names.includes(`ls`), `a group's command is not listed at the top`);
  // The global options, with podman's value type rather than clipanion's placeholder.
  t.regex(r.stdout, /^Options:$/m);
  t.regex(r.stdout, /^ {6}--root string +Path to the root directory/m);
  t.regex(r.stdout, /^ {2}-v, --version +/m);
  t.notRegex(r.stdout, /#0|\[--root/);
});

test(`help alone, -h and --help after global options print the same listing`, async t => {
  const top = await runTspod([`--help`]);
  for (const args of [[`help`], [`-h`], [`--root`, `/nonexistent`, `--help`]]) {
    const r = await runTspod(args);
    t.is(r.code, 0, args.join(` `));
    t.is(r.stdout, top.stdout, args.join(` `));
  }
});

test(`no command prints the listing and fails with exit 125`, async t => {
  const top = await runTspod([`--help`]);
  for (const args of [[], [`--log-level`, `debug`]]) {
    const r = await runTspod(args);
    t.is(r.code, 125, args.join(` `));
    t.is(r.stdout, top.stdout);
    t.is(r.stderr, `Error: missing command 'tspod COMMAND'\n`);
  }
});

test(`help COMMAND prints the command's own help`, async t => {
  const r = await runTspod([`help`, `ps`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, (await runTspod([`ps`, `--help`])).stdout);
  t.regex(r.stdout, new RegExp(`^${escape(await descriptionOf([`ps`]))}`));
  t.regex(r.stdout, /--format string/);
  const ls = await runTspod([`help`, `image`, `ls`]);
  t.is(ls.code, 0, ls.stderr);
  t.regex(ls.stdout, /\$ tspod image ls/);
});

test(`a group word alone lists its commands and fails with exit 125; with --help it exits 0`, async t => {
  const r = await runTspod([`image`]);
  t.is(r.code, 125);
  t.is(r.stderr, `Error: missing command 'tspod image COMMAND'\n`);
  t.regex(r.stdout, /^Manage images\n\nUsage:\n {2}tspod image \[command\]\n/);
  for (const name of [`ls`, `inspect`, `exists`, `rm`, `prune`])
    t.regex(r.stdout, new RegExp(`^ {2}${name} +${escape(await descriptionOf([`image`, name]))}$`, `m`), name);
  const names = listed(r.stdout);
  t.false(names.includes(`list`), `an alias (image list) is listed once, by its first path`);
  t.false(names.includes(`images`));
  for (const args of [[`image`, `--help`], [`help`, `image`], [`image`, `-h`]]) {
    const h = await runTspod(args);
    t.is(h.code, 0, args.join(` `));
    t.is(h.stderr, ``);
    t.is(h.stdout, r.stdout, args.join(` `));
  }
});

test(`every group in the command table has its listing`, async t => {
  const groups = new Set(commandTable.flatMap(e => e.paths.filter(p => p.length > 1).map(p => p[0]!)));
  t.true(groups.has(`volume`) && groups.has(`system`) && groups.has(`container`));
  for (const group of groups) {
    const r = await runTspod([group]);
    t.is(r.code, 125, group);
    t.is(r.stderr, `Error: missing command 'tspod ${group} COMMAND'\n`);
    const expected = commandTable.flatMap(e => e.paths.find(p => p.length === 2 && p[0] === group)?.slice(1) ?? []);
    t.deepEqual(listed(r.stdout), [...expected].sort(), group);
  }
});

test(`podman commands tspod does not have are named as such, with what to do instead, exit 125`, async t => {
  for (const [args, key, why] of [
    [[`build`, `-t`, `x`, `.`], `build`, /does not build them/],
    [[`--root`, `/nonexistent/r`, `network`, `ls`], `network`, /network of its own/],
    [[`image`, `build`, `.`], `image build`, /does not build them/],
    [[`container`, `checkpoint`, `x`], `container checkpoint`, /checkpoint and restore/],
    [[`system`, `service`], `system service`, /daemonless/],
    [[`kube`, `play`, `x.yaml`], `kube`, /Kubernetes YAML/],
  ] as const) {
    const r = await runTspod([...args]);
    t.is(r.code, 125, args.join(` `));
    t.is(r.stdout, ``);
    t.true(r.stderr.startsWith(`Error: \`tspod ${key}\` is not supported: `), r.stderr);
    t.regex(r.stderr, why);
    t.regex(r.stderr, /\n {2}fix: \S/, `${args.join(` `)}: a fix is named`);
  }
});

test(`unknown words and options are still errors with exit 125`, async t => {
  const typo = await runTspod([`frobnicate`]);
  t.is(typo.code, 125);
  t.is(typo.stdout, ``);
  t.is(typo.stderr, `Error: unrecognized command \`tspod frobnicate\`\nTry 'tspod --help' for more information.\n`);
  const inGroup = await runTspod([`image`, `frobnicate`]);
  t.is(inGroup.code, 125);
  t.is(inGroup.stderr, `Error: unrecognized command \`tspod image frobnicate\`\nTry 'tspod image --help' for more information.\n`);
  const flag = await runTspod([`--bogus`]);
  t.is(flag.code, 125);
  t.is(flag.stderr, `Error: unknown flag: --bogus\nSee 'tspod --help'.\n`);
  const groupFlag = await runTspod([`volume`, `--bogus`]);
  t.is(groupFlag.code, 125);
  t.is(groupFlag.stderr, `Error: unknown flag: --bogus\nSee 'tspod volume --help'.\n`);
});

test(`helpPlan tells listings from commands`, t => {
  t.deepEqual(helpPlan([]), {kind: `listing`, group: undefined, missing: true});
  t.deepEqual(helpPlan([`help`, `help`]), {kind: `listing`, missing: false});
  t.deepEqual(helpPlan([`--root`, `/x`, `--help`]), {kind: `listing`, group: undefined, missing: false});
  t.deepEqual(helpPlan([`--log-level=debug`, `image`]), {kind: `listing`, group: `image`, missing: true});
  t.deepEqual(helpPlan([`help`, `container`, `ps`]), {kind: `command`, argv: [`container`, `ps`, `--help`]});
  t.deepEqual(helpPlan([`image`, `--bogus`]), {kind: `badFlag`, flag: `--bogus`, group: `image`});
  t.is(helpPlan([`ps`]), undefined);
  t.is(helpPlan([`image`, `ls`]), undefined);
  t.is(helpPlan([`ps`, `--help`]), undefined, `a command's own help is clipanion's`);
  t.is(helpPlan([`--version`]), undefined);
  t.is(helpPlan([`frobnicate`]), undefined);
  t.deepEqual(helpPlan([`help`, `frobnicate`]), {kind: `listing`, missing: false, unknownTopic: `frobnicate`});
  t.deepEqual(helpPlan([`help`, `image`, `frobnicate`]), {kind: `listing`, group: `image`, missing: false});
  t.deepEqual(helpPlan([`help`, `ps`, `extra`]), {kind: `command`, argv: [`ps`, `--help`]});
});

test(`help of an unknown topic notes it and lists the commands on stderr, exit 0, as podman`, async t => {
  const r = await runTspod([`help`, `frobnicate`]);
  t.is(r.code, 0);
  t.is(r.stdout, ``);
  t.regex(r.stderr, /^Unknown help topic \[`frobnicate`\]\n/);
  t.true(listed(r.stderr).includes(`ps`));
});

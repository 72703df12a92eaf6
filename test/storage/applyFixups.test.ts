// The root-only leftovers of an unprivileged layer apply, done by `tspod-helper fixups`
// in a real user namespace (FixupRunner): every kind of fixup, one helper for several
// layers, failures with the helper's own words, and a batch cut short doing nothing.
import {spawnSync} from 'node:child_process';
import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {HELPER_BIN} from '../_helpers/project';
import {whenAvailable} from '../_helpers/features';
import {canUserns, inUserns, removeTree, tempDir} from '../helpers/_support';
import {FixupRunner, encodeFixups} from '../../src/storage/applyFixups';
import type {ApplyFixups} from '../../src/storage/applyLayer';

const test = whenAvailable(canUserns, `an unprivileged user with /etc/subuid ranges and newuidmap`);

const none: ApplyFixups = {whiteouts: [], owners: [], modes: [], dirTimes: []};

/** owner, mode (octal), type and mtime of each path, as root in the namespace sees them. */
function describe(dir: string, names: Array<string>): string {
  return inUserns([`stat`, `-c`, `%n %u:%g %a %F %Y`, ...names], {cwd: dir});
}

test(`whiteouts, owners, modes and directory times, two layers through one helper`, async t => {
  const dir = tempDir(`tspod-fixups-`);
  try {
    mkdirSync(join(dir, `d`));
    for (const f of [`setgid`, `plain`]) writeFileSync(join(dir, f), f);
    symlinkSync(`plain`, join(dir, `link`));
    const runner = new FixupRunner(HELPER_BIN);
    runner.start();
    await runner.run({
      ...none,
      whiteouts: [join(dir, `d/gone`)],
      owners: [[join(dir, `setgid`), 0, 5], [join(dir, `plain`), 1000, 1000], [join(dir, `link`), 3, 3]],
      // The chown cleared the set-gid bit: the mode comes after it.
      modes: [[join(dir, `setgid`), 0o2755]],
      dirTimes: [[join(dir, `d`), 1_400_000_000.5]],
    });
    await runner.run({...none, owners: [[join(dir, `d`), 7, 8]]});
    await runner.close();
    const out = describe(dir, [`d`, `d/gone`, `setgid`, `plain`, `link`]);
    t.regex(out, /^d 7:8 755 directory 1400000000$/m);
    t.regex(out, /^d\/gone 0:0 0 character special file \d+$/m);
    t.regex(out, /^setgid 0:5 2755 regular file \d+$/m);
    t.regex(out, /^plain 1000:1000 644 regular file \d+$/m);
    t.regex(out, /^link 3:3 777 symbolic link \d+$/m, `the link itself, not its target`);
  } finally {
    removeTree(dir);
  }
});

test(`a failure rejects with the helper's words; the next layer gets a new helper`, async t => {
  const dir = tempDir(`tspod-fixups-`);
  try {
    writeFileSync(join(dir, `f`), `x`);
    symlinkSync(`/etc/passwd`, join(dir, `out`));
    const runner = new FixupRunner(HELPER_BIN);
    await t.throwsAsync(runner.run({...none, modes: [[join(dir, `out`), 0o600]]}), {message: /layer fixups failed \(1\): tspod-helper: chmod `.*\/out`: ELOOP/});
    await t.throwsAsync(runner.run({...none, owners: [[join(dir, `missing`), 1, 1]]}), {message: /chown `.*\/missing`: ENOENT/});
    await runner.run({...none, owners: [[join(dir, `f`), 2, 2]]});
    await runner.close();
    t.regex(describe(dir, [`f`]), /^f 2:2 /m);
  } finally {
    removeTree(dir);
  }
});

test(`a batch cut short (the pull was killed while sending it) does nothing`, t => {
  const dir = tempDir(`tspod-fixups-`);
  try {
    writeFileSync(join(dir, `f`), `x`);
    const whole = encodeFixups({...none, owners: [[join(dir, `f`), 4, 4]]});
    const first = encodeFixups({...none, modes: [[join(dir, `f`), 0o600]]});
    const r = spawnSync(HELPER_BIN, [`userns`, `--`, HELPER_BIN, `fixups`], {input: Buffer.concat([first, whole.subarray(0, whole.length - 3)]), encoding: `utf8`});
    t.is(r.status, 1);
    t.is(r.stdout, `0`, `the whole first batch was done and acknowledged`);
    t.regex(r.stderr, /incomplete batch/);
    t.regex(describe(dir, [`f`]), /^f 0:0 600 /m);
  } finally {
    removeTree(dir);
  }
});

// The lazy command table must say exactly the paths its classes declare, or a
// command would be unreachable (or reachable only through `--help`).
import test from 'ava';
import {commandTable, groupDescriptions} from '../../../src/cli/commands';
import {selectCommands} from '../../../src/cli/main';
import {commandWord} from '../../../src/cli/commandLine';

test(`every table entry's paths are its class's paths`, async t => {
  t.true(commandTable.length >= 2);
  for (const e of commandTable) {
    const cls = await e.load();
    t.deepEqual(cls.paths, e.paths, `paths of ${cls.name}`);
  }
});

test(`every command has a one-line description and every group word one for the listings`, async t => {
  for (const e of commandTable) {
    const cls = await e.load();
    t.truthy(cls.usage?.description?.trim(), `description of ${e.paths[0]!.join(` `)}`);
  }
  const groups = new Set(commandTable.flatMap(e => e.paths.filter(p => p.length > 1).map(p => p[0]!)));
  t.deepEqual([...groups].sort(), Object.keys(groupDescriptions).sort());
  // A word both a command and a group would be listed twice and its listing never reached.
  for (const g of groups) t.false(commandTable.some(e => e.paths.some(p => p.length === 1 && p[0] === g)), g);
});

test(`no two entries claim the same path`, t => {
  const seen = new Set<string>();
  for (const e of commandTable) for (const p of e.paths) {
    const key = p.join(` `);
    t.false(seen.has(key), `duplicate path ${key}`);
    seen.add(key);
  }
});

test(`selectCommands skips global options and their values`, t => {
  const picked = selectCommands([`--root`, `/x`, `--log-level=debug`, `info`]);
  t.true(picked.length >= 1);
  t.true(picked.every(e => e.paths.some(p => p[0] === `info`)));
  t.is(selectCommands([`--help`]).length, commandTable.length);
  t.is(selectCommands([`nonsense`]).length, commandTable.length);
  // `tspod --version` needs no command class (VersionFlagCommand is always registered).
  t.is(selectCommands([`--version`]).length, 0);
  t.is(commandWord([`--root`, `/x`, `--rm`, `container`, `run`]), `container`);
});

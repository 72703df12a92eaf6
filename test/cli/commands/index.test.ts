// The lazy command table must say exactly the paths its classes declare, or a
// command would be unreachable (or reachable only through `--help`).
import test from 'ava';
import {commandTable} from '../../../src/cli/commands';
import {selectCommands} from '../../../src/cli/main';
import {commandWord} from '../../../src/cli/commandLine';

test(`every table entry's paths are its class's paths`, async t => {
  t.true(commandTable.length >= 2);
  for (const e of commandTable) {
    const cls = await e.load();
    t.deepEqual(cls.paths, e.paths, `paths of ${cls.name}`);
  }
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

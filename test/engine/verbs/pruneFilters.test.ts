import test from 'ava';
import {parsePruneFilters, pruneMatches, untilTime} from '../../../src/engine/verbs/pruneFilters';
import {TspodError} from '../../../src/engine/errors';

test(`until: timestamps, Unix seconds and Go durations`, t => {
  t.is(untilTime(`2024-01-02T03:04:05Z`), Date.parse(`2024-01-02T03:04:05Z`));
  t.is(untilTime(`1700000000`), 1_700_000_000_000);
  const now = Date.now();
  t.true(Math.abs(untilTime(`1h30m`) - (now - 5_400_000)) < 1000);
  t.true(Math.abs(untilTime(`24h`) - (now - 86_400_000)) < 1000);
  t.true(Math.abs(untilTime(`1500ms2000000\u00b5s`) - (now - 3500)) < 1000);
  t.throws(() => untilTime(`yesterday`), {instanceOf: TspodError, message: /invalid until filter "yesterday"/});
});

test(`label=, label!= and until= choose what prune takes`, t => {
  const old = `2020-01-01T00:00:00Z`, fresh = new Date().toISOString();
  const f = parsePruneFilters([`until=2021-01-01T00:00:00Z`, `label=keep=no`, `label!=pinned`]);
  t.true(pruneMatches(f, old, {keep: `no`}));
  t.false(pruneMatches(f, fresh, {keep: `no`}), `too new`);
  t.false(pruneMatches(f, old, {keep: `yes`}), `label value differs`);
  t.false(pruneMatches(f, old, {keep: `no`, pinned: `1`}), `label!= excludes`);
  t.false(pruneMatches(f, old, null));
  t.true(pruneMatches(parsePruneFilters([]), undefined, undefined), `no filter: everything`);
  t.true(pruneMatches(parsePruneFilters([`label=a`]), fresh, {a: `x`}));
  t.throws(() => parsePruneFilters([`colour=red`]), {message: /colour is an invalid filter/});
});

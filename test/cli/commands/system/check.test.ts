// `tspod system check` and `system reset`.
import test from 'ava';
import {existsSync, rmSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {tempStore} from '../../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../../_helpers/registry';
import {registriesEnv, MANIFESTS} from '../../../_helpers/imageEnv';

const env = registriesEnv([REGISTRY]);

test(`a clean store has no problems; a missing blob is found and repaired`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  const ok = await s.run([`system`, `check`]);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.is(ok.stdout, `No problems found\n`);
  rmSync(join(s.root, `blobs/sha256`, MANIFESTS.busyboxGlibc.slice(7)));
  const bad = await s.run([`system`, `check`]);
  t.is(bad.code, 125);
  t.regex(bad.stdout, /found: .*sha256:7a3ebe5b/);
  const json = await s.json([`system`, `check`, `--repair`, `--format`, `json`]).catch(() => undefined);
  const fixed = await s.run([`system`, `check`]);
  t.is(fixed.code, 0, `${JSON.stringify(json)} ${fixed.stdout}`);
  t.deepEqual(await s.json([`images`, `--format`, `json`]), []);
});

test(`system reset -f removes the whole store, layer files owned by subordinate ids included`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.alpine], {env})).code, 0);
  t.true(readdirSync(s.root).length > 0);
  const r = await s.run([`system`, `reset`, `-f`]);
  t.is(r.code, 0, r.stderr);
  t.false(existsSync(s.root));
  t.deepEqual(await s.json([`images`, `--format`, `json`]), []);
});

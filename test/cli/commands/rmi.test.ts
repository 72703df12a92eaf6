// `tspod rmi` / `image rm` and `image prune`.
import test from 'ava';
import {tempStore} from '../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {registriesEnv, layerRecords, storedBlobs, IDS} from '../../_helpers/imageEnv';

const env = registriesEnv([REGISTRY]);

test(`rmi of a name shared with others untags; of the last name deletes image, layers and blobs`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  t.is((await s.run([`tag`, SEEDED.busyboxGlibc, `keep:1`], {env})).code, 0);
  const u = await s.run([`rmi`, `keep:1`], {env});
  t.is(u.code, 0, u.stderr);
  t.is(u.stdout, `Untagged: localhost/keep:1\n`);
  t.is(layerRecords(s.root).length, 1);
  const d = await s.run([`image`, `rm`, SEEDED.busyboxGlibc], {env});
  t.is(d.code, 0, d.stderr);
  t.is(d.stdout, `Untagged: ${SEEDED.busyboxGlibc}\nDeleted: ${IDS.busyboxGlibc}\n`);
  t.deepEqual(await s.json([`images`, `--format`, `json`]), []);
  t.deepEqual(layerRecords(s.root), []);
  t.deepEqual(storedBlobs(s.root), []);
  const check = await s.run([`system`, `check`]);
  t.is(check.code, 0, check.stdout);
});

test(`removing one image keeps layers another image shares`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  // The same layers under a second image id is impossible for identical configs, so share via a tag instead.
  t.is((await s.run([`pull`, SEEDED.alpine], {env})).code, 0);
  t.is((await s.run([`rmi`, SEEDED.alpine], {env})).code, 0);
  t.is(layerRecords(s.root).length, 1);
  t.is((await s.run([`image`, `exists`, SEEDED.busyboxGlibc], {env})).code, 0);
  t.is((await s.run([`system`, `check`])).code, 0);
});

test(`rmi -a removes everything; an unknown image exits 1, -i ignores it`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  for (const ref of [SEEDED.busyboxGlibc, SEEDED.alpine]) t.is((await s.run([`pull`, ref], {env})).code, 0);
  const none = await s.run([`rmi`, `nosuch`], {env});
  t.is(none.code, 1);
  t.regex(none.stderr, /^Error: nosuch: image not known/);
  t.is((await s.run([`rmi`, `-i`, `nosuch`], {env})).code, 0);
  const all = await s.run([`rmi`, `-a`], {env});
  t.is(all.code, 0, all.stderr);
  t.deepEqual(await s.json([`images`, `--format`, `json`]), []);
  t.deepEqual(layerRecords(s.root), []);
  const usage = await s.run([`rmi`], {env});
  t.is(usage.code, 125);
});

test(`image prune removes dangling images only; -a every unused one`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  for (const ref of [SEEDED.busyboxGlibc, SEEDED.alpine]) t.is((await s.run([`pull`, ref], {env})).code, 0);
  t.is((await s.run([`untag`, SEEDED.alpine], {env})).code, 0);
  const p = await s.run([`image`, `prune`, `-f`], {env});
  t.is(p.code, 0, p.stderr);
  t.is(p.stdout, `${IDS.alpine}\n`);
  t.deepEqual((await s.json([`images`, `--format`, `json`])).map((i: any) => i.Id), [IDS.busyboxGlibc]);
  const a = await s.run([`image`, `prune`, `-a`, `-f`], {env});
  t.is(a.stdout, `${IDS.busyboxGlibc}\n`);
  t.deepEqual(await s.json([`images`, `--format`, `json`]), []);
  t.deepEqual(layerRecords(s.root), []);
  // Without -f and no terminal answer, nothing is removed.
  t.is((await s.run([`pull`, SEEDED.alpine], {env})).code, 0);
  const ask = await s.run([`image`, `prune`, `-a`], {env, input: `n\n`});
  t.is(ask.code, 0);
  t.is((await s.json([`images`, `--format`, `json`])).length, 1);
});

test(`an image a container uses is refused (exit 2) unless --force, which removes the container too`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  const c = await s.run([`create`, SEEDED.busyboxGlibc, `true`], {env});
  t.is(c.code, 0, c.stderr);
  const refused = await s.run([`rmi`, SEEDED.busyboxGlibc], {env});
  t.is(refused.code, 2);
  t.regex(refused.stderr, /^Error: image used by [0-9a-f]{64}: image is in use by a container/);
  t.is((await s.json([`images`, `--format`, `json`]))[0].Containers, 1);
  const forced = await s.run([`rmi`, `-f`, SEEDED.busyboxGlibc], {env});
  t.is(forced.code, 0, forced.stderr);
  t.deepEqual(await s.json([`images`, `--format`, `json`]), []);
  t.deepEqual(layerRecords(s.root), []);
  t.is((await s.run([`system`, `check`])).code, 0);
});

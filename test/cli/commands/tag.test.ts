// `tspod tag` and `untag`: podman's name normalization and name moves.
import test from 'ava';
import {tempStore} from '../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {registriesEnv, IDS} from '../../_helpers/imageEnv';

const env = registriesEnv([REGISTRY]);

test(`tag adds names (short ones under localhost/, :latest by default); untag removes them`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  const r = await s.run([`tag`, SEEDED.busyboxGlibc, `foo`, `bar:v2`, `quay.io/x/y:z`], {env});
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, ``);
  let [img] = await s.json([`image`, `inspect`, IDS.busyboxGlibc], {env});
  t.deepEqual([...img.RepoTags].sort(), [SEEDED.busyboxGlibc, `localhost/foo:latest`, `localhost/bar:v2`, `quay.io/x/y:z`].sort());
  t.is((await s.run([`untag`, IDS.busyboxGlibc, `foo`], {env})).code, 0);
  [img] = await s.json([`image`, `inspect`, IDS.busyboxGlibc], {env});
  t.false(img.RepoTags.includes(`localhost/foo:latest`));
  t.is((await s.run([`image`, `untag`, `bar:v2`], {env})).code, 0);
  [img] = await s.json([`image`, `inspect`, IDS.busyboxGlibc], {env});
  t.is(img.RepoTags.length, 0, `untag with no names removes every name`);
  const dangling = await s.json([`images`, `--format`, `json`, `--filter`, `dangling=true`], {env});
  t.is(dangling[0].Id, IDS.busyboxGlibc);
  t.regex((await s.run([`images`], {env})).stdout, /<none>\s+<none>\s+db287cb6be81/);
});

test(`a name moves from one image to another`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  for (const ref of [SEEDED.busyboxGlibc, SEEDED.alpine]) t.is((await s.run([`pull`, ref], {env})).code, 0);
  t.is((await s.run([`tag`, SEEDED.busyboxGlibc, `moving:1`], {env})).code, 0);
  t.is((await s.run([`tag`, SEEDED.alpine, `moving:1`], {env})).code, 0);
  const [a] = await s.json([`image`, `inspect`, `moving:1`], {env});
  t.is(a.Id, IDS.alpine);
  const [b] = await s.json([`image`, `inspect`, IDS.busyboxGlibc], {env});
  t.false(b.RepoTags.includes(`localhost/moving:1`));
});

test(`errors: unknown image, invalid name, unknown tag`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  const none = await s.run([`tag`, `nosuch`, `x`], {env});
  t.is(none.code, 125);
  t.regex(none.stderr, /^Error: nosuch: image not known/);
  const bad = await s.run([`tag`, SEEDED.busyboxGlibc, `Bad Name`], {env});
  t.is(bad.code, 125);
  t.regex(bad.stderr, /^Error: invalid reference format/);
  const untag = await s.run([`untag`, SEEDED.busyboxGlibc, `never:tagged`], {env});
  t.is(untag.code, 125);
  t.regex(untag.stderr, /tag not known/);
});

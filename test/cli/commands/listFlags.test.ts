// ps and images: --sort and --noheading, as podman's.
import test from 'ava';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';

const pulled = pulledStore([SEEDED.alpine, SEEDED.busyboxMusl]);
const {t} = pulled;

test(`ps --sort names and --noheading; an unknown key is refused`, async tt => {
  for (const name of [`zeta`, `alpha`, `mid`]) tt.is((await t([`create`, `--name`, name, SEEDED.alpine, `true`])).code, 0);
  const names = await t([`ps`, `-a`, `--sort`, `names`, `--noheading`, `--format`, `table {{.Names}}`]);
  tt.is(names.stdout, `alpha\nmid\nzeta\n`);
  const byCreated = await t([`ps`, `-a`, `--format`, `{{.Names}}`]);
  tt.is(byCreated.stdout, `mid\nalpha\nzeta\n`, `newest first by default`);
  const plain = await t([`ps`, `-a`, `--noheading`, `--sync`]);
  tt.is(plain.stdout.trim().split(`\n`).length, 3);
  tt.notRegex(plain.stdout, /CONTAINER ID/);
  tt.is((await t([`ps`, `--sort`, `colour`])).code, 125);
});

test(`images --sort repository, size and tag`, async tt => {
  const repos = (await t([`images`, `--sort`, `repository`, `--format`, `{{.Repository}}`])).stdout.trim().split(`\n`);
  tt.deepEqual(repos, [...repos].sort());
  tt.regex(repos[0]!, /alpine$/);
  const sizes = (await t([`images`, `--sort`, `size`, `--format`, `{{.Repository}}`])).stdout.trim().split(`\n`);
  tt.regex(sizes[0]!, /busybox$/, `the smaller image first`);
  const r = await t([`images`, `--sort`, `nonsense`]);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /invalid option for --sort "nonsense"/);
});

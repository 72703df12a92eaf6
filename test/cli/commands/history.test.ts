// `tspod history`: newest step first, <missing> below the top, sizes per layer.
import test from 'ava';
import {tempStore} from '../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {registriesEnv, IDS} from '../../_helpers/imageEnv';

const env = registriesEnv([REGISTRY]);

test(`history of alpine as a table, -q, --no-trunc and JSON`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.alpine], {env})).code, 0);
  const r = await s.run([`history`, SEEDED.alpine], {env});
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split(`\n`);
  t.regex(lines[0]!, /^ID\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
  t.regex(lines[1]!, /^9cfcd3d5b2c6\s+\d+ years ago\s+\/bin\/sh -c #\(nop\)  CMD \["\/bin\/sh"\]\s+0 B/);
  t.regex(lines[2]!, /^<missing>\s+\d+ years ago\s+\/bin\/sh -c #\(nop\) ADD file:alpine-miniroot\.\.\.\s+8\.09 MB/);
  const q = await s.run([`image`, `history`, `-q`, SEEDED.alpine], {env});
  t.is(q.stdout, `9cfcd3d5b2c6\n<missing>\n`);
  const nt = await s.run([`history`, `--no-trunc`, SEEDED.alpine], {env});
  t.true(nt.stdout.includes(IDS.alpine));
  t.true(nt.stdout.includes(`ADD file:alpine-minirootfs-3.20.3-x86_64.tar.gz in /`));
  const json = await s.json([`history`, `--format`, `json`, SEEDED.alpine], {env});
  t.deepEqual(json.map((h: any) => [h.id, h.size]), [[IDS.alpine, 0], [`<missing>`, 8089600]]);
  t.is(json[0].created, `2024-09-06T11:34:00Z`);
  t.is(json[0].CreatedBy, `/bin/sh -c #(nop)  CMD ["/bin/sh"]`);
});

test(`history of an unknown image fails with 125`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const r = await s.run([`history`, `nosuch`]);
  t.is(r.code, 125);
  t.regex(r.stderr, /^Error: nosuch: image not known/);
});

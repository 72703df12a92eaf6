// `export` and `import` end to end as the unprivileged test user: the alpine
// minirootfs imported and run, a container's root file system exported with the
// container's owners, and the export → import round trip.
import test from 'ava';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';
import {pulledStore} from '../../_helpers/pulledStore';
import {SEEDED} from '../../_helpers/registry';
import {SHARED_IMAGES} from '../../_helpers/project';

const ALPINE = SEEDED.alpine;
const MINIROOTFS = join(SHARED_IMAGES, `alpine-minirootfs-3.20.3-x86_64.tar.gz`);
const fx = pulledStore(ALPINE);
const t = fx.t;

function tarList(file: string): Array<string> {
  const r = spawnSync(`tar`, [`-tvf`, file, `--numeric-owner`], {encoding: `utf8`, maxBuffer: 64 << 20});
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  return r.stdout.split(`\n`);
}

test(`import the alpine minirootfs with --change, then run it`, async tt => {
  const r = await t([`import`, `--change`, `CMD ["cat","/etc/alpine-release"]`, `--change`, `ENV=FOO=bar`, `--change`, `WORKDIR /tmp`, `--change`, `LABEL a=b`, `-m`, `hello`, MINIROOTFS, `mini:v1`]);
  tt.is(r.code, 0, r.stderr);
  tt.regex(r.stdout.trim(), /^sha256:[0-9a-f]{64}$/); // podman's output
  const run = await t([`run`, `--rm`, `mini:v1`]);
  tt.is(run.code, 0, run.stderr);
  tt.is(run.stdout.trim(), `3.20.3`);
  const pwd = await t([`run`, `--rm`, `localhost/mini:v1`, `sh`, `-c`, `echo $FOO; pwd`]);
  tt.is(pwd.stdout.trim(), `bar\n/tmp`);
  const insp = await fx.s.json([`image`, `inspect`, `mini:v1`], {env: fx.env});
  tt.deepEqual(insp[0].Config.Labels, {a: `b`});
  tt.is(insp[0].RootFS.Layers.length, 1);
});

test(`import from stdin; a file that is not a tar is refused with one line`, async tt => {
  const r = await t([`import`, `-`, `fromstdin`], readFileSync(MINIROOTFS));
  tt.is(r.code, 0, r.stderr);
  const run = await t([`run`, `--rm`, `fromstdin`, `cat`, `/etc/alpine-release`]);
  tt.is(run.stdout.trim(), `3.20.3`);
  const armed = await t([`import`, `--arch`, `arm64`, `--variant`, `v8`, `-`, `fromstdin:arm`], readFileSync(MINIROOTFS));
  tt.is(armed.code, 0, armed.stderr);
  tt.is((await t([`image`, `inspect`, `--format`, `{{.Architecture}} {{.Variant}}`, `fromstdin:arm`])).stdout.trim(), `arm64 v8`);
  const bad = join(fx.dir, `bad.tar`);
  writeFileSync(bad, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]));
  const b = await t([`import`, bad, `bad`]);
  tt.is(b.code, 125);
  tt.is(b.stderr.split(`\n`)[0], `Error: "${bad}" is not a tar archive (nor a gzip-compressed one)`);
  // A text file (it once reached the layer's apply, whose error named an internal blob path).
  const passwd = await t([`import`, `/etc/passwd`, `bad`]);
  tt.deepEqual([passwd.code, passwd.stderr.split(`\n`)[0]], [125, `Error: "/etc/passwd" is not a tar archive (nor a gzip-compressed one)`]);
  const missing = await t([`import`, join(fx.dir, `none.tar`), `bad`]);
  tt.deepEqual([missing.code, missing.stderr], [125, `Error: error opening "${join(fx.dir, `none.tar`)}": no such file or directory\n`]);
  // An empty archive is one: an image with an empty layer.
  const empty = await t([`import`, `-`, `empty:1`], Buffer.alloc(1024));
  tt.is(empty.code, 0, empty.stderr);
  tt.is((await t([`images`, `bad`, `-q`])).stdout, ``);
});

test(`export shows the container's changes, owners and deletions; re-import runs`, async tt => {
  const c = await t([`run`, `--name`, `ex1`, ALPINE, `sh`, `-c`, `echo hi > /root/new.txt && chown 1234:5678 /root/new.txt && rm /etc/motd && mkdir -p /srv/d && touch /srv/d/f`]);
  tt.is(c.code, 0, c.stderr);
  const out = join(fx.dir, `ex1.tar`);
  const e = await t([`export`, `-o`, out, `ex1`]);
  tt.is(e.code, 0, e.stderr);
  const list = tarList(out);
  const line = list.find(l => l.endsWith(` root/new.txt`));
  tt.truthy(line, `root/new.txt is in the export`);
  tt.regex(line!, /1234\/5678/);
  tt.truthy(list.find(l => l.endsWith(` bin/busybox`)));
  // Directories end with a slash, as podman's export (Go's archive/tar) writes them.
  tt.regex(list.find(l => l.startsWith(`d`) && / srv\/d\/?$/.test(l)) ?? ``, / srv\/d\/$/);
  tt.true(list.filter(l => l.startsWith(`d`)).every(l => l.endsWith(`/`)), `every directory ends with a slash`);
  tt.falsy(list.find(l => l.endsWith(` etc/motd`)), `a deleted file is not exported`);
  tt.falsy(list.find(l => l.includes(`.wh.`)), `no whiteouts in an export`);
  // Files of other owners (shadow is root:shadow 640) are read in the user namespace.
  tt.regex(list.find(l => l.endsWith(` etc/shadow`)) ?? ``, /0\/42/);
  // To stdout, too.
  const so = await t([`export`, `ex1`]);
  tt.is(so.code, 0, so.stderr);
  tt.true(so.stdout.length > 1_000_000);
  const i = await t([`import`, out, `reimported`]);
  tt.is(i.code, 0, i.stderr);
  const run = await t([`run`, `--rm`, `reimported`, `sh`, `-c`, `cat /root/new.txt; stat -c %u:%g /root/new.txt; cat /etc/alpine-release; test -e /etc/motd || echo gone`]);
  tt.is(run.code, 0, run.stderr);
  tt.is(run.stdout.trim(), `hi\n1234:5678\n3.20.3\ngone`);
});

test(`export of an unknown container fails with one line`, async tt => {
  const r = await t([`export`, `-o`, join(fx.dir, `x.tar`), `nope`]);
  tt.not(r.code, 0);
  tt.regex(r.stderr, /no container with name or ID "nope"/);
});

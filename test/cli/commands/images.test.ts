// `tspod images` / `image ls`: the table, -q, --digests, --no-trunc, filters and
// podman's JSON fields.
import test from 'ava';
import {tempStore} from '../../_helpers/runCli';
import type {TempStore} from '../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {registriesEnv, IDS, MANIFESTS} from '../../_helpers/imageEnv';

const env = registriesEnv([REGISTRY]);
let s: TempStore;

test.before(async () => {
  s = tempStore();
  for (const ref of [SEEDED.busyboxGlibc, SEEDED.alpine]) {
    const r = await s.run([`pull`, ref], {env});
    if (r.code !== 0) throw new Error(r.stderr);
  }
  await s.run([`tag`, SEEDED.busyboxGlibc, `mybox:v1`], {env});
});
test.after.always(() => s?.cleanup());

test(`an empty store lists nothing: a header, [] as JSON`, async t => {
  const e = tempStore();
  t.teardown(() => e.cleanup());
  const r = await e.run([`images`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `REPOSITORY  TAG         IMAGE ID    CREATED     SIZE\n`);
  t.deepEqual(await e.json([`images`, `--format`, `json`]), []);
});

test(`the table has podman's columns, one row per name, newest image first`, async t => {
  const r = await s.run([`images`], {env});
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split(`\n`);
  t.regex(lines[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
  t.is(lines.length, 4);
  t.regex(r.stdout, new RegExp(`localhost/mybox\\s+v1\\s+db287cb6be81\\s+\\d+ years ago\\s+4\\.66 MB`));
  t.regex(r.stdout, /library\/alpine\s+3\.20\.3\s+9cfcd3d5b2c6\s+\d+ years ago\s+8\.09 MB/);
  // busybox (2024-09-26) is newer than alpine (2024-09-06).
  t.true(r.stdout.indexOf(`db287cb6be81`) < r.stdout.indexOf(`9cfcd3d5b2c6`));
});

test(`-q prints each ID once; --no-trunc the full ID; --digests a DIGEST column`, async t => {
  const q = await s.run([`images`, `-q`], {env});
  t.is(q.stdout, `db287cb6be81\n9cfcd3d5b2c6\n`);
  const full = await s.run([`images`, `-q`, `--no-trunc`], {env});
  t.is(full.stdout, `sha256:${IDS.busyboxGlibc}\nsha256:${IDS.alpine}\n`);
  const d = await s.run([`images`, `--digests`], {env});
  t.regex(d.stdout.split(`\n`)[0]!, /^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE$/);
  t.true(d.stdout.includes(MANIFESTS.busyboxGlibc));
});

test(`JSON has podman's fields`, async t => {
  const images = await s.json([`images`, `--format`, `json`], {env});
  t.is(images.length, 2);
  const bb = images[0];
  for (const k of [`Id`, `ParentId`, `RepoTags`, `RepoDigests`, `Size`, `SharedSize`, `VirtualSize`, `Labels`, `Containers`, `Names`, `Digest`, `Digests`, `History`, `Created`, `CreatedAt`])
    t.true(k in bb, k);
  t.is(bb.Id, IDS.busyboxGlibc);
  t.is(bb.Created, 1727386302);
  t.is(bb.Containers, 0);
  t.is(bb.VirtualSize, bb.Size);
  t.deepEqual([...bb.RepoTags].sort(), [SEEDED.busyboxGlibc, `localhost/mybox:v1`].sort());
  t.true(bb.RepoDigests.includes(`${REGISTRY}/library/busybox@${MANIFESTS.busyboxGlibc}`));
  t.true(bb.RepoDigests.includes(`localhost/mybox@${MANIFESTS.busyboxGlibc}`));
});

test(`filters: reference, dangling, before, since, label, id`, async t => {
  const ids = async (...f: Array<string>) => (await s.json([`images`, `--format`, `json`, ...f.flatMap(x => [`--filter`, x])], {env})).map((i: any) => i.Id);
  t.deepEqual(await ids(`reference=mybox`), [IDS.busyboxGlibc]);
  t.deepEqual(await ids(`reference=*alpine*`), [IDS.alpine]);
  t.deepEqual(await ids(`reference=${SEEDED.alpine}`), [IDS.alpine]);
  t.deepEqual(await ids(`dangling=true`), []);
  t.deepEqual(await ids(`dangling=false`), [IDS.busyboxGlibc, IDS.alpine]);
  t.deepEqual(await ids(`before=mybox:v1`), [IDS.alpine]);
  t.deepEqual(await ids(`since=${SEEDED.alpine}`), [IDS.busyboxGlibc]);
  t.deepEqual(await ids(`label=nope`), []);
  t.deepEqual(await ids(`id=9cfcd3`), [IDS.alpine]);
  // podman's `images IMAGE`: a reference filter.
  t.deepEqual((await s.json([`images`, `--format`, `json`, `mybox`], {env})).map((i: any) => i.Id), [IDS.busyboxGlibc]);
  t.deepEqual((await s.json([`images`, `--format`, `json`, `nosuchimage`], {env})), []);
  const bad = await s.run([`images`, `--filter`, `colour=red`], {env});
  t.is(bad.code, 125);
  t.regex(bad.stderr, /^Error: invalid image filter "colour"/);
});

test(`--format: a Go template per name; \`table\` adds podman's headers and aligns tab-separated columns`, async t => {
  // --sort repository orders the rows, a row per name (podman's).
  const byRepo = (await s.run([`images`, `--sort`, `repository`, `--format`, `{{.Repository}}`])).stdout.trim().split(`\n`);
  t.deepEqual(byRepo, [...byRepo].sort(), byRepo.join(` `));
  t.true(byRepo.length >= 3, byRepo.join(` `));
  const plain = await s.run([`images`, `--format`, `{{.Repository}}:{{.Tag}} {{.ID}}`]);
  t.is(plain.code, 0, plain.stderr);
  const lines = plain.stdout.trim().split(`\n`).sort();
  t.true(lines.includes(`localhost/mybox:v1 ${IDS.busyboxGlibc.slice(0, 12)}`), plain.stdout);
  t.true(lines.includes(`${REGISTRY}/library/alpine:3.20.3 ${IDS.alpine.slice(0, 12)}`), plain.stdout);
  const tbl = await s.run([`images`, `--format`, `table {{.Repository}}\t{{.Tag}}\t{{.ID}}`]);
  t.is(tbl.code, 0, tbl.stderr);
  const rows = tbl.stdout.trim().split(`\n`);
  t.regex(rows[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID$/);
  const alpine = rows.find(r => r.startsWith(`${REGISTRY}/library/alpine`))!;
  t.is(alpine.indexOf(`3.20.3`), rows[0]!.indexOf(`TAG`), `columns line up`);
  const bad = await s.run([`images`, `--format`, `{{.NoSuchField}}`]);
  t.is(bad.code, 125);
});

test(`image ls and image list are images`, async t => {
  const a = await s.run([`images`], {env});
  t.is((await s.run([`image`, `ls`], {env})).stdout, a.stdout);
  t.is((await s.run([`image`, `list`], {env})).stdout, a.stdout);
});

test(`image inspect: podman's fields; unknown images fail with 125 after the known ones`, async t => {
  const [img] = await s.json([`image`, `inspect`, `mybox:v1`], {env});
  for (const k of [`Id`, `Digest`, `RepoTags`, `RepoDigests`, `Parent`, `Comment`, `Created`, `Config`, `Version`, `Author`, `Architecture`, `Os`, `Size`, `VirtualSize`, `GraphDriver`, `RootFS`, `Labels`, `Annotations`, `ManifestType`, `User`, `History`, `NamesHistory`])
    t.true(k in img, k);
  t.is(img.Id, IDS.busyboxGlibc);
  t.is(img.Created, `2024-09-26T21:31:42Z`);
  t.deepEqual(img.Config.Cmd, [`sh`]);
  t.is(img.RootFS.Layers[0], `sha256:412f8a616e1efb03d4ab94ce18ebddf3f068b637f1c7ae8dbc82306a852de408`);
  t.is(img.Annotations[`org.opencontainers.image.version`], `1.37.0-glibc`);
  t.is(img.ManifestType, `application/vnd.oci.image.manifest.v1+json`);
  t.is(img.Size, 4660879);
  const tpl = await s.run([`image`, `inspect`, `--format`, `{{.Id}} {{.Os}}`, `mybox:v1`], {env});
  t.is(tpl.stdout, `${IDS.busyboxGlibc} linux\n`);
  // As podman's structs read in a template: empty fields are zero values, times print as Go's.
  const zeros = await s.run([`image`, `inspect`, `--format`, `{{.Config.WorkingDir}}|{{.Config.Entrypoint}}|{{.Config.Labels}}|{{.Created}}`, `mybox:v1`], {env});
  t.is(zeros.stdout, `|[]|map[]|2024-09-26 21:31:42 +0000 UTC\n`, zeros.stderr);
  const byId = await s.json([`image`, `inspect`, `9cfcd3d5b2c6`], {env});
  t.is(byId[0].Id, IDS.alpine);
  const short = await s.json([`image`, `inspect`, `alpine:3.20.3`], {env});
  t.is(short[0].Id, IDS.alpine);
  const miss = await s.run([`image`, `inspect`, `alpine:3.20.3`, `nosuch`], {env});
  t.is(miss.code, 125);
  t.is(JSON.parse(miss.stdout).length, 1);
  t.regex(miss.stderr, /^Error: inspecting object: nosuch: image not known/);
});

test(`inspect: a name that is no container falls back to the image, then the volume (then a pod); --type narrows`, async t => {
  const [img] = await s.json([`inspect`, `mybox:v1`], {env});
  t.is(img.Id, IDS.busyboxGlibc);
  t.is((await s.run([`inspect`, `--type`, `image`, `--format`, `{{.Id}}`, `mybox:v1`], {env})).stdout, `${IDS.busyboxGlibc}\n`);
  t.is((await s.run([`volume`, `create`, `inspvol`], {env})).code, 0);
  const [vol] = await s.json([`inspect`, `inspvol`], {env});
  t.is(vol.Name, `inspvol`);
  const wrongType = await s.run([`inspect`, `--type`, `container`, `mybox:v1`], {env});
  t.is(wrongType.code, 125);
  t.regex(wrongType.stderr, /^Error: inspecting object: no such container mybox:v1/);
  const miss = await s.run([`inspect`, `mybox:v1`, `nosuch`], {env});
  t.is(miss.code, 125);
  t.is(JSON.parse(miss.stdout).length, 1);
  t.regex(miss.stderr, /^Error: inspecting object: no such object: "nosuch"/);
  const notPod = await s.run([`inspect`, `--type`, `pod`, `mybox:v1`], {env});
  t.is(notPod.code, 125);
  t.regex(notPod.stderr, /^Error: inspecting object: no such pod mybox:v1/);
  const badType = await s.run([`inspect`, `--type`, `bogus`, `mybox:v1`], {env});
  t.is(badType.code, 125);
  t.regex(badType.stderr, /invalid --type "bogus"/);
  await s.run([`volume`, `rm`, `inspvol`], {env});
});

test(`image exists: 0 when present, 1 when absent`, async t => {
  t.is((await s.run([`image`, `exists`, `mybox:v1`], {env})).code, 0);
  t.is((await s.run([`image`, `exists`, IDS.alpine], {env})).code, 0);
  const no = await s.run([`image`, `exists`, `nosuch:latest`], {env});
  t.is(no.code, 1);
  t.is(no.stderr, ``);
});

// `tspod pull` end to end against the seeded registry (and private ones), as the
// unprivileged test user.
import test from 'ava';
import {spawn, spawnSync, execFileSync} from 'node:child_process';
import {readdirSync, readFileSync, writeFileSync, mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {tempStore, runTspod} from '../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {TSPOD_BIN, SHARED_IMAGES} from '../../_helpers/project';
import {registriesEnv, layerRecords, storedBlobs, IDS, MANIFESTS} from '../../_helpers/imageEnv';
import {startProxy} from '../../_helpers/registryServers';
// @ts-expect-error: plain ESM harness without types
import {startRegistry, skopeoCopy, freePort} from '../../_harness/registry.mjs';

const env = registriesEnv([REGISTRY]);
const noTls = [`--tls-verify=false`];
const OCI_INDEX = `application/vnd.oci.image.index.v1+json`;
const OCI_MANIFEST = `application/vnd.oci.image.manifest.v1+json`;

function lastLine(s: string): string {
  return s.trim().split(`\n`).pop() ?? ``;
}

test(`pulls busybox by tag and prints only the image ID when not on a terminal, podman's plain progress lines on stderr (none with -q)`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const r = await s.run([`pull`, ...noTls, SEEDED.busyboxGlibc], {env});
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${IDS.busyboxGlibc}\n`);
  const lines = r.stderr.trimEnd().split(`\n`);
  t.is(lines[0], `Trying to pull ${SEEDED.busyboxGlibc}...`);
  t.is(lines[1], `Getting image source signatures`);
  t.regex(lines[2]!, /^Copying blob sha256:[0-9a-f]{64}$/);
  t.deepEqual(lines.slice(-3), [`Copying config sha256:${IDS.busyboxGlibc}`, `Writing manifest to image destination`, `Storing signatures`]);
  const quiet = await s.run([`pull`, `-q`, ...noTls, SEEDED.busyboxGlibc], {env});
  t.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, `${IDS.busyboxGlibc}\n`, ``]);
  const images = await s.json([`images`, `--format`, `json`], {env});
  t.is(images.length, 1);
  t.is(images[0].Id, IDS.busyboxGlibc);
  t.deepEqual(images[0].Names, [SEEDED.busyboxGlibc]);
  t.deepEqual(images[0].RepoDigests, [`${REGISTRY}/library/busybox@${MANIFESTS.busyboxGlibc}`]);
  t.is(images[0].Digest, MANIFESTS.busyboxGlibc);
  // podman: the uncompressed layer plus the config and the manifest.
  t.is(images[0].Size, 4660879);
  t.is(images[0].CreatedAt, `2024-09-26T21:31:42Z`);
  const layers = layerRecords(s.root);
  t.is(layers.length, 1);
  t.is(layers[0]!.diffSize, 4659200);
});

test(`short names resolve through registries.conf, which also marks the registry insecure`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const r = await s.run([`pull`, `library/alpine:3.20.3`], {env});
  t.is(r.code, 0, r.stderr);
  t.is(lastLine(r.stdout), IDS.alpine);
  const img = (await s.json([`image`, `inspect`, `alpine:3.20.3`], {env}))[0];
  t.deepEqual(img.RepoTags, [SEEDED.alpine]);
  t.is(img.Os, `linux`);
});

test(`pulls by digest: the name is repo@digest, shown with tag <none>`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const ref = `${REGISTRY}/library/busybox@${MANIFESTS.busyboxMusl}`;
  const r = await s.run([`pull`, `-q`, ref], {env});
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), IDS.busyboxMusl);
  const images = await s.json([`images`, `--format`, `json`], {env});
  t.deepEqual(images[0].Names, [ref]);
  t.deepEqual(images[0].RepoTags, []);
  t.deepEqual(images[0].RepoDigests, [ref]);
  const table = await s.run([`images`], {env});
  t.regex(table.stdout, new RegExp(`${REGISTRY.replace(/\./g, `\\.`)}/library/busybox\\s+<none>\\s+cafb65f54bc4`));
});

test(`a second pull downloads nothing and stores each layer once; three images side by side`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  for (const ref of [SEEDED.busyboxGlibc, SEEDED.busyboxMusl, SEEDED.alpine])
    t.is((await s.run([`pull`, ref], {env})).code, 0);
  const blobsBefore = storedBlobs(s.root).sort();
  const r = await s.run([`pull`, SEEDED.busyboxLatest], {env});
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), IDS.busyboxGlibc);
  t.deepEqual(storedBlobs(s.root).sort(), blobsBefore);
  t.is(layerRecords(s.root).length, 3);
  const images = await s.json([`images`, `--format`, `json`], {env});
  t.is(images.length, 3);
  const glibc = images.find((i: any) => i.Id === IDS.busyboxGlibc);
  t.deepEqual([...glibc.Names].sort(), [SEEDED.busyboxGlibc, SEEDED.busyboxLatest].sort());
});

async function putIndex(repo: string, tag: string, entries: Array<{digest: string, platform: Record<string, string>}>): Promise<void> {
  const manifests = [];
  for (const e of entries) {
    const res = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${e.digest}`, {headers: {accept: OCI_MANIFEST}});
    const body = Buffer.from(await res.arrayBuffer());
    manifests.push({mediaType: OCI_MANIFEST, digest: e.digest, size: body.length, platform: e.platform});
  }
  const index = JSON.stringify({schemaVersion: 2, mediaType: OCI_INDEX, manifests});
  const put = await fetch(`http://${REGISTRY}/v2/${repo}/manifests/${tag}`, {method: `PUT`, headers: {'content-type': OCI_INDEX}, body: index});
  if (put.status !== 201) throw new Error(`PUT index: ${put.status} ${await put.text()}`);
}

test(`a multi-platform index: the host's image by default, another with --arch, a clear error for a missing one`, async t => {
  await putIndex(`library/busybox`, `multi`, [
    {digest: MANIFESTS.busyboxGlibc, platform: {architecture: `amd64`, os: `linux`}},
    {digest: MANIFESTS.busyboxMusl, platform: {architecture: `arm64`, os: `linux`, variant: `v8`}},
  ]);
  const ref = `${REGISTRY}/library/busybox:multi`;
  const s = tempStore();
  t.teardown(() => s.cleanup());
  if (process.arch === `x64`) {
    const r = await s.run([`pull`, ref], {env});
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout.trim(), IDS.busyboxGlibc);
  }
  const arm = await s.run([`pull`, `--arch`, `arm64`, ref], {env});
  t.is(arm.code, 0, arm.stderr);
  t.is(arm.stdout.trim(), IDS.busyboxMusl);
  const img = await s.json([`images`, `--format`, `json`, `--filter`, `id=${IDS.busyboxMusl}`], {env});
  t.deepEqual(img[0].Names, [ref]);
  t.true(img[0].Digests.length === 2, `instance and index digests`);
  const plat = await s.run([`pull`, `--platform`, `linux/arm64`, ref], {env});
  t.is(plat.stdout.trim(), IDS.busyboxMusl);
  const none = await s.run([`pull`, `--arch`, `s390x`, ref], {env});
  t.is(none.code, 125);
  t.regex(none.stderr, /^Error: no image found in image index for architecture s390x.*available: linux\/amd64, linux\/arm64\/v8/m);
  t.is(none.stderr.trim().split(`\n`).filter(l => !l.startsWith(`  fix:`) && !l.startsWith(`Trying to pull `)).length, 1);
});

test(`a corrupted blob fails naming the digest and leaves nothing in the store`, async t => {
  const reg = await startRegistry();
  t.teardown(() => reg.stop());
  skopeoCopy(`oci:${join(SHARED_IMAGES, `busybox-1.37.0-glibc-amd64.oci`)}:busybox:1.37.0-glibc`, `docker://${reg.address}/x/busybox:1`);
  const layer = `sha256:436a1b1fd078ee8e117111472724c2827077657189af7a781829d0825d48d2ab`;
  const hex = layer.slice(7);
  const data = join(reg.dataDir, `docker/registry/v2/blobs/sha256`, hex.slice(0, 2), hex, `data`);
  const buf = readFileSync(data);
  buf[Math.floor(buf.length / 2)] ^= 0xff;
  writeFileSync(data, buf);
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const r = await s.run([`pull`, `--tls-verify=false`, `${reg.address}/x/busybox:1`]);
  t.is(r.code, 125);
  t.true(r.stderr.includes(layer), r.stderr);
  t.is(r.stderr.split(`\n`).filter(l => l.startsWith(`Error:`)).length, 1);
  t.deepEqual(await s.json([`images`, `--format`, `json`]), []);
  t.false(storedBlobs(s.root).includes(layer));
  t.deepEqual(layerRecords(s.root), []);
  const tmp = (() => {
    try {
      return readdirSync(join(s.root, `blobs/sha256`)).filter(n => n.startsWith(`.`));
    } catch {
      return [];
    }
  })();
  t.deepEqual(tmp, []);
});

test(`one-line errors with exit 125: registry down, unknown host, unknown tag`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const port = await freePort();
  const down = await s.run([`pull`, ...noTls, `127.0.0.1:${port}/a/b:c`]);
  t.is(down.code, 125);
  t.regex(down.stderr, /^Error: .*connection refused/m);
  const unknown = await s.run([`pull`, ...noTls, `no-such-host.invalid/a/b:c`]);
  t.is(unknown.code, 125);
  t.regex(unknown.stderr, /^Error: .*no-such-host\.invalid/m);
  const missing = await s.run([`pull`, `${REGISTRY}/library/busybox:no-such-tag`], {env});
  t.is(missing.code, 125);
  t.regex(missing.stderr, /^Error: .*no-such-tag/m);
  for (const r of [down, unknown, missing]) {
    t.is(r.stderr.split(`\n`).filter(l => l.startsWith(`Error:`)).length, 1, r.stderr);
    t.false(r.stderr.includes(`    at `), `no stack trace`);
  }
});

test(`401 without credentials, success with --creds, one-line error with bad ones`, async t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-auth-`));
  const htpasswd = join(dir, `htpasswd`);
  execFileSync(`htpasswd`, [`-Bbc`, htpasswd, `alice`, `secret`], {stdio: `ignore`});
  const reg = await startRegistry({extraConfig: [`auth:`, `  htpasswd:`, `    realm: tspod`, `    path: ${htpasswd}`].join(`\n`)});
  t.teardown(() => reg.stop());
  skopeoCopy(`oci:${join(SHARED_IMAGES, `busybox-1.37.0-musl-amd64.oci`)}:busybox:1.37.0-musl`, `docker://${reg.address}/x/busybox:1`, [`--dest-creds`, `alice:secret`]);
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const ref = `${reg.address}/x/busybox:1`;
  const anon = await s.run([`pull`, ...noTls, ref]);
  t.is(anon.code, 125);
  t.regex(anon.stderr, /^Error: .*authentication required/m);
  const bad = await s.run([`pull`, ...noTls, `--creds`, `alice:wrong`, ref]);
  t.is(bad.code, 125);
  t.regex(bad.stderr, /^Error: .*(invalid username or password|authentication)/m);
  const ok = await s.run([`pull`, ...noTls, `--creds`, `alice:secret`, ref]);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout.trim(), IDS.busyboxMusl);
  // The same credentials from an auth file (podman's auth.json format).
  const authfile = join(dir, `auth.json`);
  writeFileSync(authfile, JSON.stringify({auths: {[reg.address]: {auth: Buffer.from(`alice:secret`).toString(`base64`)}}}));
  const s2 = tempStore();
  t.teardown(() => s2.cleanup());
  const viaFile = await s2.run([`pull`, ...noTls, `--authfile`, authfile, ref]);
  t.is(viaFile.code, 0, viaFile.stderr);
  t.is(viaFile.stdout.trim(), IDS.busyboxMusl);
});

test(`two pulls of the same image at once both succeed; layers are stored once`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const [a, b] = await Promise.all([s.run([`pull`, SEEDED.alpine], {env}), s.run([`pull`, SEEDED.alpine], {env})]);
  t.is(a.code, 0, a.stderr);
  t.is(b.code, 0, b.stderr);
  t.is(a.stdout.trim(), IDS.alpine);
  t.is(b.stdout.trim(), IDS.alpine);
  t.is(layerRecords(s.root).length, 1);
  t.is((await s.json([`images`, `--format`, `json`], {env})).length, 1);
  const check = await s.run([`system`, `check`], {env});
  t.is(check.code, 0, check.stdout + check.stderr);
});

test(`pull and rmi at once leave a consistent store`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  const [p, r] = await Promise.all([s.run([`pull`, SEEDED.busyboxLatest], {env}), s.run([`rmi`, `-f`, SEEDED.busyboxGlibc], {env})]);
  t.is(p.code, 0, p.stderr);
  t.true(r.code === 0 || r.code === 1, r.stderr);
  const check = await s.run([`system`, `check`], {env});
  t.is(check.code, 0, check.stdout + check.stderr);
  // Whatever the interleaving, a second pull gives a complete image.
  t.is((await s.run([`pull`, SEEDED.busyboxLatest], {env})).code, 0);
  t.true(await s.run([`image`, `exists`, SEEDED.busyboxLatest], {env}).then(x => x.code === 0));
});

test(`kill -9 at 20 random moments never leaves a visible half image`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  for (let i = 0; i < 20; i++) {
    const delay = Math.floor(Math.random() * 900);
    const child = spawn(process.execPath, [TSPOD_BIN, `--root`, s.root, `--runroot`, s.runroot, `pull`, SEEDED.alpine], {env: {...process.env, ...env}, stdio: `ignore`});
    // Listen at once: a pull that finishes before the kill has closed already.
    const closed = new Promise(resolve => child.once(`close`, resolve));
    await new Promise(resolve => setTimeout(resolve, delay));
    child.kill(`SIGKILL`);
    await closed;
    const r = await s.run([`images`, `--format`, `json`], {env});
    t.is(r.code, 0, `after a kill at ${delay} ms: ${r.stderr}`);
    const images = JSON.parse(r.stdout) as Array<{Id: string}>;
    for (const img of images) t.is(img.Id, IDS.alpine);
    // A pull that got through: remove it, so the next kill lands in real work again.
    if (images.length > 0) t.is((await s.run([`rmi`, SEEDED.alpine], {env})).code, 0);
    // Every image listed is usable: its layers are complete.
    for (const l of layerRecords(s.root)) if ((l as {flags?: {incomplete?: boolean}}).flags?.incomplete) t.fail(`incomplete layer visible after ${delay} ms`);
  }
  const r = await s.run([`pull`, SEEDED.alpine], {env});
  t.is(r.code, 0, r.stderr);
  const check = await s.run([`system`, `check`], {env});
  t.is(check.code, 0, check.stdout + check.stderr);
  t.regex(check.stdout, /No problems found/);
});

test(`--all-tags pulls every tag of a repository`, async t => {
  const reg = await startRegistry();
  t.teardown(() => reg.stop());
  const layout = join(SHARED_IMAGES, `busybox-1.37.0-musl-amd64.oci`);
  skopeoCopy(`oci:${layout}:busybox:1.37.0-musl`, `docker://${reg.address}/x/bb:a`);
  skopeoCopy(`oci:${layout}:busybox:1.37.0-musl`, `docker://${reg.address}/x/bb:b`);
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const r = await s.run([`pull`, ...noTls, `--all-tags`, `${reg.address}/x/bb`]);
  t.is(r.code, 0, r.stderr);
  const images = await s.json([`images`, `--format`, `json`]);
  t.is(images.length, 1);
  t.deepEqual([...images[0].Names].sort(), [`${reg.address}/x/bb:a`, `${reg.address}/x/bb:b`]);
  const tagged = await s.run([`pull`, ...noTls, `--all-tags`, `${reg.address}/x/bb:a`]);
  t.is(tagged.code, 125);
  t.regex(tagged.stderr, /^Error: tag can't be used with --all-tags/);
});

test(`usage errors: a bad platform and a bad --creds exit 125 with one line`, async t => {
  const bad = await runTspod([`pull`, `--platform`, `linux`, SEEDED.alpine], {env});
  t.is(bad.code, 125);
  t.regex(bad.stderr, /^Error: invalid platform "linux"/);
  const creds = await runTspod([`pull`, `--creds`, `nobody`, SEEDED.alpine], {env});
  t.is(creds.code, 125);
  t.regex(creds.stderr, /^Error: invalid --creds/);
});

test(`a layer is applied while its blob downloads, and kept only once the blob is whole and verified`, async t => {
  // alpine's one layer is 3.4 MB: the proxy holds it after 2 MB.
  const proxy = await startProxy(REGISTRY, {stallBlobs: {minSize: 1_000_000, bytes: 2_000_000}});
  t.teardown(() => proxy.stop());
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const pulling = s.run([`pull`, ...noTls, `${proxy.address}/library/alpine:3.20.3`], {env: registriesEnv([proxy.address])});
  await proxy.stalled;
  // Files of the layer appear while the rest of its blob has not arrived...
  const layerFiles = () => {
    const r = spawnSync(`sh`, [`-c`, `ls "$1"/overlay/*/diff/bin 2>/dev/null | wc -l`, `sh`, s.root], {encoding: `utf8`});
    return Number(r.stdout.trim());
  };
  const deadline = Date.now() + 20_000;
  while (layerFiles() === 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 50));
  t.true(layerFiles() > 0, `files applied before the blob is complete`);
  // ...but nothing is an image, and the layer is not complete.
  t.deepEqual(JSON.parse((await s.run([`images`, `--format`, `json`])).stdout), []);
  t.true(layerRecords(s.root).every(l => (l as {flags?: {incomplete?: boolean}}).flags?.incomplete === true));
  proxy.release();
  const r = await pulling;
  t.is(r.code, 0, r.stderr);
  t.is(lastLine(r.stdout), IDS.alpine);
  const check = await s.run([`system`, `check`]);
  t.regex(check.stdout, /No problems found/, check.stdout + check.stderr);
});

test(`a connection cut mid-blob is resumed with a Range request, not downloaded again`, async t => {
  // The first full blob GET of a pull is the config: cut it after 100 bytes.
  const proxy = await startProxy(REGISTRY, {cutBlobAfter: 100});
  t.teardown(() => proxy.stop());
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const r = await s.run([`pull`, ...noTls, `${proxy.address}/library/busybox:1.37.0-glibc`], {env: registriesEnv([proxy.address])});
  t.is(r.code, 0, r.stderr);
  t.is(lastLine(r.stdout), IDS.busyboxGlibc);
  const ranged = proxy.requests.filter(q => q.method === `GET` && q.url.includes(`/blobs/`) && q.headers.range !== undefined);
  t.is(ranged.length, 1, `one resumed request`);
  t.is(ranged[0]!.headers.range, `bytes=100-`);
});

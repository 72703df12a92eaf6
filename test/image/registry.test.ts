// The registry client against real docker-registry instances: anonymous over http,
// error cases, corrupted blobs, Range resume, redirects, retries, pushes.
import test from 'ava';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import {RegistryClient} from '../../src/image/registry';
import {chooseManifest} from '../../src/image/platform';
import {isTspodError} from '../../src/engine/errors';
import {parseManifest, parseIndex, MediaType} from '../../src/oci/image';
import {sha256Of, digestHex} from '../../src/oci/digest';
import type {Digest} from '../../src/oci/digest';
import {startProxy} from '../_helpers/registryServers';
import type {Registry} from '../_helpers/registryServers';
import {SHARED_IMAGES} from '../_helpers/project';
// @ts-expect-error: plain JavaScript harness
import {startRegistry, skopeoCopy, freePort} from '../_harness/registry.mjs';

let reg: Registry;
const work = mkdtempSync(join(tmpdir(), `tspod-registry-test-`));
const REPO = `library/busybox`;

test.before(async () => {
  reg = await startRegistry();
  const layout = join(SHARED_IMAGES, `busybox-1.37.0-glibc-amd64.oci`);
  skopeoCopy(`oci:${layout}:busybox:1.37.0-glibc`, `docker://${reg.address}/${REPO}:1`);
});
test.after.always(async () => {
  await reg?.stop();
  rmSync(work, {recursive: true, force: true});
});

const client = (address = reg.address, extra = {}) => new RegistryClient(address, {insecure: true, backoffMs: 10, ...extra});

async function busybox(c: RegistryClient) {
  const m = await c.getManifest(REPO, `1`);
  const manifest = parseManifest(m.body);
  return {m, manifest, layer: manifest.layers[0]!};
}

function blobDataPath(d: Digest): string {
  const hex = digestHex(d);
  return join(reg.dataDir, `docker/registry/v2/blobs/sha256`, hex.slice(0, 2), hex, `data`);
}

test(`manifest by tag and by digest, digest recomputed`, async t => {
  const c = client();
  await c.ping();
  const {m, manifest} = await busybox(c);
  t.is(m.mediaType, MediaType.ociManifest);
  t.is(m.digest, sha256Of(m.body));
  t.is(manifest.layers.length, 1);
  const again = await c.getManifest(REPO, m.digest);
  t.is(again.digest, m.digest);
  t.deepEqual(again.body, m.body);
  c.close();
});

test(`fetchBlob streams, verifies and reports progress`, async t => {
  const c = client();
  const {manifest, layer} = await busybox(c);
  const dest = join(work, `layer1`);
  const seen: Array<number> = [];
  await c.fetchBlob(REPO, layer.digest, dest, {expectedSize: layer.size, onProgress: done => seen.push(done)});
  t.is(sha256Of(readFileSync(dest)), layer.digest);
  t.is(seen.at(-1), layer.size);
  t.true(await c.blobExists(REPO, manifest.config.digest));
  t.false(await c.blobExists(REPO, sha256Of(`nothing`)));
  c.close();
});

test(`404 tag names the tag and repository`, async t => {
  const c = client();
  const err = await t.throwsAsync(c.getManifest(REPO, `nope`));
  t.is(err!.message, `manifest unknown: tag "nope" not found in ${reg.address}/${REPO}`);
  t.true(isTspodError(err, `Registry`));
  const err2 = await t.throwsAsync(c.getManifest(`library/absent`, sha256Of(`x`)));
  t.regex(err2!.message, /^manifest unknown: digest sha256:[0-9a-f]{64} not found in /);
  c.close();
});

test(`registry down`, async t => {
  const port = await freePort();
  const err = await t.throwsAsync(client(`127.0.0.1:${port}`).ping());
  t.is(err!.message, `cannot connect to registry 127.0.0.1:${port}: connection refused: is the registry running?`);
  t.true(isTspodError(err, `Network`));
});

test(`unknown host`, async t => {
  const err = await t.throwsAsync(client(`no-such-host.invalid:5000`).ping());
  t.regex(err!.message, /^cannot connect to registry no-such-host\.invalid:5000: (unknown host|name resolution failed)/);
});

test(`plain http registry needs --tls-verify=false or insecure`, async t => {
  const err = await t.throwsAsync(new RegistryClient(reg.address, {}).ping());
  t.regex(err!.message, /over https: the server does not speak TLS: use --tls-verify=false/);
  await t.notThrowsAsync(new RegistryClient(reg.address, {tlsVerify: false}).ping());
});

test.serial(`corrupted blob: DigestMismatch and no file left`, async t => {
  // A private repository copy so other tests keep an intact layer.
  const c = client();
  const {layer} = await busybox(c);
  const data = blobDataPath(layer.digest);
  const orig = readFileSync(data);
  const bad = Buffer.from(orig);
  bad[Math.floor(bad.length / 2)]! ^= 0xff;
  writeFileSync(data, bad);
  try {
    const dest = join(work, `corrupt`);
    const err = await t.throwsAsync(c.fetchBlob(REPO, layer.digest, dest));
    t.true(isTspodError(err, `DigestMismatch`));
    t.true(err!.message.includes(layer.digest));
    t.false(existsSync(dest));
  } finally {
    writeFileSync(data, orig);
    c.close();
  }
});

test.serial(`manifest fetched by digest with wrong content: DigestMismatch`, async t => {
  const c = client();
  const {m} = await busybox(c);
  const data = blobDataPath(m.digest);
  const orig = readFileSync(data);
  writeFileSync(data, Buffer.from(orig.toString(`utf8`).replace(`"schemaVersion": 2`, `"schemaVersion":2 `)));
  try {
    const err = await t.throwsAsync(c.getManifest(REPO, m.digest));
    t.true(isTspodError(err, `DigestMismatch`));
    t.true(err!.message.includes(m.digest));
  } finally {
    writeFileSync(data, orig);
    c.close();
  }
});

test(`interrupted download resumes with Range`, async t => {
  const c0 = client();
  const {layer} = await busybox(c0);
  c0.close();
  const proxy = await startProxy(reg.address, {cutBlobAfter: Math.floor(layer.size / 3)});
  const c = client(proxy.address);
  const dest = join(work, `resumed`);
  await c.fetchBlob(REPO, layer.digest, dest, {expectedSize: layer.size});
  t.is(sha256Of(readFileSync(dest)), layer.digest);
  const blobGets = proxy.requests.filter(r => r.url.includes(`/blobs/`));
  t.is(blobGets.length, 2);
  const from = Number(/^bytes=(\d+)-$/.exec(String(blobGets[1]!.headers.range))?.[1]);
  t.true(from > 0 && from <= Math.floor(layer.size / 3), `resumed from ${from}`);
  c.close();
  await proxy.stop();
});

test(`5xx is retried with backoff`, async t => {
  const proxy = await startProxy(reg.address, {fail503: 2});
  const c = client(proxy.address);
  const {m} = await busybox(c);
  t.is(m.digest, sha256Of(m.body));
  t.is(proxy.requests.filter(r => r.url.includes(`/manifests/`)).length, 3);
  c.close();
  await proxy.stop();
  const always = await startProxy(reg.address, {fail503: 100});
  const c2 = client(always.address, {retries: 1});
  const err = await t.throwsAsync(c2.getManifest(REPO, `1`));
  t.regex(err!.message, /answered 503 for manifest 1 .*: try later$/);
  c2.close();
  await always.stop();
});

test(`blob redirects to another host are followed without the Authorization header`, async t => {
  const port = reg.address.split(`:`)[1];
  const target = await startProxy(reg.address);
  const front = await startProxy(reg.address, {redirectBlobsTo: `http://localhost:${target.address.split(`:`)[1]}`});
  const c = client(front.address);
  const {layer} = await busybox(c);
  const dest = join(work, `redirected`);
  await c.fetchBlob(REPO, layer.digest, dest);
  t.is(sha256Of(readFileSync(dest)), layer.digest);
  const hit = target.requests.find(r => r.url.includes(`/blobs/${layer.digest}`));
  t.truthy(hit);
  t.is(hit!.headers.authorization, undefined);
  t.is(hit!.headers.host, `localhost:${target.address.split(`:`)[1]}`);
  t.truthy(port);
  c.close();
  await front.stop();
  await target.stop();
});

test(`push an image and an index, list tags, choose a platform`, async t => {
  const c = client();
  const repo = `test/pushed`;
  const layerBytes = Buffer.from(`not really a tarball, but a blob`);
  const layerDigest = sha256Of(layerBytes);
  const config = Buffer.from(JSON.stringify({architecture: `arm64`, os: `linux`, rootfs: {type: `layers`, diff_ids: [layerDigest]}}));
  const configDigest = sha256Of(config);
  await c.pushBlob(repo, layerDigest, () => Readable.from([layerBytes]), layerBytes.length);
  await c.pushBlob(repo, configDigest, () => Readable.from([config]), config.length);
  // pushing again is a no-op (HEAD says it exists)
  await c.pushBlob(repo, configDigest, () => Readable.from([config]), config.length);
  t.true(await c.blobExists(repo, layerDigest));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.ociManifest,
    config: {mediaType: MediaType.ociConfig, digest: configDigest, size: config.length},
    layers: [{mediaType: MediaType.ociLayer, digest: layerDigest, size: layerBytes.length}],
  }));
  const mdigest = await c.putManifest(repo, `arm`, MediaType.ociManifest, manifest);
  t.is(mdigest, sha256Of(manifest));
  const amd = await c.getManifest(REPO, `1`);
  // cross-repo: the busybox manifest's blobs must exist in `repo` before its manifest is accepted
  const bb = parseManifest(amd.body);
  for (const d of [bb.config, ...bb.layers]) {
    const tmp = join(work, `x-${digestHex(d.digest)}`);
    await c.fetchBlob(REPO, d.digest, tmp);
    await c.pushBlob(repo, d.digest, () => Readable.from([readFileSync(tmp)]), d.size);
  }
  await c.putManifest(repo, amd.digest, amd.mediaType, amd.body);
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.ociIndex,
    manifests: [
      {mediaType: MediaType.ociManifest, digest: amd.digest, size: amd.body.length, platform: {os: `linux`, architecture: `amd64`}},
      {mediaType: MediaType.ociManifest, digest: mdigest, size: manifest.length, platform: {os: `linux`, architecture: `arm64`, variant: `v8`}},
    ],
  }));
  await c.putManifest(repo, `multi`, MediaType.ociIndex, index);
  t.deepEqual((await c.listTags(repo)).sort(), [`arm`, `multi`]);
  const got = await c.getManifest(repo, `multi`);
  t.is(got.mediaType, MediaType.ociIndex);
  const idx = parseIndex(got.body);
  t.is(chooseManifest(idx, {}, {os: `linux`, architecture: `amd64`}).digest, amd.digest);
  t.is(chooseManifest(idx, {arch: `arm64`}, {os: `linux`, architecture: `amd64`}).digest, mdigest);
  const err = await t.throwsAsync(c.listTags(`test/none`));
  t.is(err!.message, `repository ${reg.address}/test/none not found`);
  t.true(readdirSync(work).length > 0);
  c.close();
});

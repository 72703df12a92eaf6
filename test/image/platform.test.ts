import test from 'ava';
import {chooseManifest, hostPlatform, parsePlatformOptions, targetPlatform} from '../../src/image/platform';
import {parseIndex, parseManifest, parseImageConfig, sniffMediaType, MediaType} from '../../src/oci/image';
import {isTspodError} from '../../src/engine/errors';
import type {ImageIndex} from '../../src/oci/image';
import type {Digest} from '../../src/oci/digest';

const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const index: ImageIndex = parseIndex(JSON.stringify({
  schemaVersion: 2, mediaType: MediaType.ociIndex,
  manifests: [
    {mediaType: MediaType.ociManifest, digest: d(`1`), size: 1, platform: {os: `linux`, architecture: `amd64`}},
    {mediaType: MediaType.ociManifest, digest: d(`2`), size: 1, platform: {os: `linux`, architecture: `arm64`, variant: `v8`}},
    {mediaType: MediaType.ociManifest, digest: d(`3`), size: 1, platform: {os: `linux`, architecture: `arm`, variant: `v6`}},
    {mediaType: MediaType.ociManifest, digest: d(`4`), size: 1, platform: {os: `linux`, architecture: `arm`, variant: `v7`}},
    {mediaType: MediaType.ociManifest, digest: d(`5`), size: 1, platform: {os: `unknown`, architecture: `unknown`}},
    {mediaType: MediaType.ociManifest, digest: d(`6`), size: 1, platform: {os: `windows`, architecture: `amd64`}},
  ],
}));
const amd64 = {os: `linux`, architecture: `amd64`};

test(`host platform from node names`, t => {
  t.deepEqual(hostPlatform(`x64`, `linux`), {os: `linux`, architecture: `amd64`});
  t.deepEqual(hostPlatform(`arm64`, `linux`), {os: `linux`, architecture: `arm64`, variant: `v8`});
  t.deepEqual(hostPlatform(`arm`, `linux`, `6`), {os: `linux`, architecture: `arm`, variant: `v6`});
});

test(`chooses the host's manifest`, t => {
  t.is(chooseManifest(index, {}, amd64).digest, d(`1`));
  t.is(chooseManifest(index, {}, {os: `linux`, architecture: `arm64`, variant: `v8`}).digest, d(`2`));
});

test(`--platform, --arch, --os, --variant`, t => {
  t.is(chooseManifest(index, parsePlatformOptions({platform: `linux/arm64`}), amd64).digest, d(`2`));
  t.is(chooseManifest(index, parsePlatformOptions({platform: `linux/arm/v6`}), amd64).digest, d(`3`));
  t.is(chooseManifest(index, parsePlatformOptions({arch: `arm`}), amd64).digest, d(`4`));
  t.is(chooseManifest(index, parsePlatformOptions({arch: `arm`, variant: `v6`}), amd64).digest, d(`3`));
  t.is(chooseManifest(index, parsePlatformOptions({arch: `aarch64`}), amd64).digest, d(`2`));
  t.is(chooseManifest(index, parsePlatformOptions({os: `windows`}), amd64).digest, d(`6`));
  // arm v8 (32-bit) runs v7 images
  t.is(chooseManifest(index, {arch: `arm`, variant: `v8`}, amd64).digest, d(`4`));
});

test(`no match lists what the index offers`, t => {
  const err = t.throws(() => chooseManifest(index, parsePlatformOptions({platform: `linux/s390x`}), amd64));
  t.true(isTspodError(err, `NoSuchImage`));
  t.regex(err!.message, /architecture s390x, OS linux/);
  t.regex(err!.message, /available: linux\/amd64, linux\/arm64\/v8, linux\/arm\/v6, linux\/arm\/v7, windows\/amd64$/);
  t.throws(() => chooseManifest(index, {arch: `arm`, variant: `v5`}, amd64), {message: /variant "v5"/});
});

test(`bad --platform`, t => {
  t.throws(() => parsePlatformOptions({platform: `linux`}), {message: /expected os\/arch/});
  t.throws(() => parsePlatformOptions({platform: `linux//`}), {message: /expected os\/arch/});
  t.deepEqual(targetPlatform({}, amd64), {os: `linux`, arch: `amd64`});
});

test(`schema 1 and malformed manifests are refused clearly`, t => {
  t.throws(() => parseManifest(`{"schemaVersion": 1, "name": "x", "fsLayers": []}`), {message: /schema 1 manifests are not supported: ask the image's publisher/});
  t.is(sniffMediaType(`{"schemaVersion": 1}`), MediaType.dockerSchema1Signed);
  t.throws(() => parseManifest(`{not json`), {message: /^invalid manifest: not JSON/});
  t.throws(() => parseManifest(`[]`), {message: /not a JSON object/});
  t.throws(() => parseManifest(JSON.stringify({schemaVersion: 2, config: {mediaType: `x`, digest: `sha256:zz`, size: 1}, layers: []})), {message: /config.digest "sha256:zz" is not a valid digest/});
  t.throws(() => parseManifest(JSON.stringify({schemaVersion: 2, config: {mediaType: `x`, digest: d(`a`), size: -1}, layers: []})), {message: /config.size/});
  t.throws(() => parseManifest(JSON.stringify({schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: []})), {message: /is not an image manifest/});
  const m = parseManifest(JSON.stringify({schemaVersion: 2, config: {mediaType: MediaType.ociConfig, digest: d(`a`), size: 2}, layers: [{mediaType: MediaType.ociLayerGzip, digest: d(`b`), size: 3}]}));
  t.is(m.mediaType, MediaType.ociManifest);
  t.throws(() => parseIndex(JSON.stringify({schemaVersion: 2, manifests: [{mediaType: `x`, digest: d(`a`), size: 1, platform: {os: 1}}]})), {message: /platform needs architecture and os/});
});

test(`image config validation`, t => {
  const c = parseImageConfig(JSON.stringify({architecture: `amd64`, os: `linux`, config: null, rootfs: {type: `layers`, diff_ids: [d(`c`)]}}));
  t.is(c.config, undefined);
  t.throws(() => parseImageConfig(JSON.stringify({architecture: `amd64`, os: `linux`, rootfs: {type: `layers`, diff_ids: [`x`]}})), {message: /diff_ids\[0\]/});
  t.throws(() => parseImageConfig(JSON.stringify({os: `linux`})), {message: /architecture is missing/});
});

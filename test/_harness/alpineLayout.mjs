// Builds an OCI image layout from the Alpine minirootfs with fixed times: the
// tarball is already a gzip'd layer, and the config's dates are constants, so the
// image's digest is the same on every machine and every run.
import {createHash} from 'node:crypto';
import {readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import {gunzipSync} from 'node:zlib';
import {join} from 'node:path';

const sha = buf => createHash('sha256').update(buf).digest('hex');
const CREATED = '2024-09-06T11:34:00Z';

export function buildAlpineLayout(rootfsTarGz, outDir) {
  const blobs = join(outDir, 'blobs/sha256');
  mkdirSync(blobs, {recursive: true});
  const put = buf => {
    const hex = sha(buf);
    writeFileSync(join(blobs, hex), buf);
    return {digest: `sha256:${hex}`, size: buf.length};
  };
  const layerGz = readFileSync(rootfsTarGz);
  const diffId = `sha256:${sha(gunzipSync(layerGz))}`;
  const layer = put(layerGz);
  const config = put(Buffer.from(JSON.stringify({
    created: CREATED,
    architecture: 'amd64',
    os: 'linux',
    config: {Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh']},
    rootfs: {type: 'layers', diff_ids: [diffId]},
    history: [
      {created: CREATED, created_by: '/bin/sh -c #(nop) ADD file:alpine-minirootfs-3.20.3-x86_64.tar.gz in / '},
      {created: CREATED, created_by: '/bin/sh -c #(nop)  CMD ["/bin/sh"]', empty_layer: true},
    ],
  })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {mediaType: 'application/vnd.oci.image.config.v1+json', ...config},
    layers: [{mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer}],
  })));
  writeFileSync(join(outDir, 'oci-layout'), JSON.stringify({imageLayoutVersion: '1.0.0'}));
  writeFileSync(join(outDir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest,
      platform: {architecture: 'amd64', os: 'linux'},
      annotations: {'org.opencontainers.image.ref.name': '3.20.3'}}],
  }));
  return {manifestDigest: manifest.digest, configDigest: config.digest, diffId};
}

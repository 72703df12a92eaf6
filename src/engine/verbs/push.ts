// `push IMAGE [DEST]`: an image's blobs and manifest to a registry (DEST may say
// docker://; the local transports go to pushLocal.ts). Blobs the
// registry already has (blobExists) are not sent. Layers go as the blobs kept in the
// BlobStore; a layer whose blob is gone is packed again (tar + gzip) from its
// directory by the worker, and then the config (diff_ids) and manifest are rewritten.
import {emitEvents, imageEvent} from '../events/emit';
import {createReadStream} from 'node:fs';
import {unlink} from '../../util/fsp';
import {Readable} from 'node:stream';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {digestHex, sha256Of} from '../../oci/digest';
import type {Digest} from '../../oci/digest';
import {MediaType, parseImageConfig, parseManifest} from '../../oci/image';
import type {Descriptor, ImageManifest} from '../../oci/image';
import {formatReference, parseReference, repositoryName, withDefaultTag} from '../../oci/reference';
import {parseImageName} from '../../oci/transport';
import {mustLookup} from '../../image/lookup';
import {RegistryClient} from '../../image/registry';
import {certsDirs, findRegistry, loadRegistriesConf, registriesConfFiles} from '../../config/registriesConf';
import {parseCreds} from './credentials';
import {withStore} from './store';

export interface PushOptions {
  image: string;
  destination?: string | undefined;
  /** podman's --cert-dir: the registry's certificates in this directory, in place of certs.d. */
  certDir?: string | undefined;
  tlsVerify?: boolean | undefined;
  creds?: string | undefined;
  authfile?: string | undefined;
  /** Progress lines (podman's `Copying blob … skipped: already exists`). */
  onLine?: (line: string) => void;
}

export interface PushReport {
  reference: string;
  digest: Digest;
  pushed: number;
  reused: number;
}

export async function pushImage(ctx: EngineContext, opts: PushOptions): Promise<PushReport> {
  const dest = opts.destination !== undefined ? parseImageName(opts.destination) : undefined;
  if (dest !== undefined && dest.transport !== `docker`) {
    const r = await (await import(`./pushLocal`)).pushToLocal(ctx, opts.image, dest);
    emitEvents(ctx, [imageEvent(`push`, undefined, r.reference)]);
    return r;
  }
  const destination = dest?.reference;
  const say = opts.onLine ?? (() => undefined);
  return withStore(ctx, async store => {
    const found = mustLookup(await store.images.list(), opts.image);
    const img = found.image;
    const destInput = destination ?? found.name ?? img.names[0];
    if (!destInput) throw new TspodError(`InvalidArgument`, `image ${opts.image} has no name to push it to`, {hint: `give a destination: push IMAGE registry.example.com/repo:tag`});
    const ref = withDefaultTag(parseReference(destInput));
    if (ref.short && destination === undefined && !found.name)
      throw new TspodError(`InvalidArgument`, `no registry in ${destInput}`, {hint: `give a destination with a registry host`});
    const repo = ref.path;
    const {authFiles, getCredentials} = await import(`../../config/authFile`);
    const credentials = opts.creds !== undefined ? parseCreds(opts.creds) : await (async () => {
      const c = await getCredentials(authFiles(ctx.env, ctx.paths, opts.authfile), repositoryName(ref));
      return c ? {username: c.username, password: c.password} : undefined;
    })();
    // registries.conf applies to pushes too: insecure (plain http) and blocked, not mirrors.
    const conf = loadRegistriesConf(registriesConfFiles(ctx.env, ctx.paths));
    const entry = findRegistry(conf, `${ref.domain}/${ref.path}`);
    if (entry?.blocked)
      throw new TspodError(`InvalidArgument`, `registry ${entry.prefix} is blocked in registries.conf: cannot push to ${destInput}`, {hint: `remove blocked = true for it in ${conf.files.join(` or `) || `registries.conf`}`});
    const client = new RegistryClient(ref.domain, {
      insecure: entry?.insecure ?? false,
      ...(opts.tlsVerify !== undefined ? {tlsVerify: opts.tlsVerify} : {}),
      certsDirs: certsDirs(ctx.paths),
      ...(opts.certDir !== undefined ? {certDir: opts.certDir} : {}),
      ...(credentials ? {credentials} : {}),
      userAgent: `tspod`,
    });
    let configBody = await store.blobs.get(img.configDigest);
    let manifestBody = await store.blobs.get(img.manifestDigest);
    let mediaType = img.manifestMediaType ?? MediaType.ociManifest;
    const manifest: ImageManifest = parseManifest(manifestBody);
    const config = parseImageConfig(configBody);
    let rewritten = false;
    const temps: Array<string> = [];
    let pushed = 0, reused = 0;
    try {
      const layers: Array<{desc: Descriptor, path: string}> = [];
      for (const [i, desc] of manifest.layers.entries()) {
        if (await store.blobs.has(desc.digest)) {
          layers.push({desc, path: store.blobs.path(desc.digest)});
          continue;
        }
        const layerId = img.layers[i];
        if (!layerId) throw new TspodError(`Storage`, `layer ${i + 1} of ${opts.image} is missing`);
        const tmp = await store.blobs.tempPath();
        temps.push(tmp);
        const r = await store.store.worker().pack({dirs: [store.layers.diffDir(layerId)], mode: `diff`, whiteouts: store.store.driver.whiteouts, out: tmp, gzip: true});
        config.rootfs.diff_ids[i] = r.diffID;
        layers.push({desc: {mediaType: MediaType.ociLayerGzip, digest: r.digest, size: r.compressedSize}, path: tmp});
        rewritten = true;
      }
      if (rewritten) {
        configBody = Buffer.from(JSON.stringify(config));
        const m: ImageManifest = {
          schemaVersion: 2,
          mediaType: MediaType.ociManifest,
          config: {mediaType: MediaType.ociConfig, digest: sha256Of(configBody), size: configBody.length},
          layers: layers.map(l => l.desc),
        };
        manifestBody = Buffer.from(JSON.stringify(m));
        mediaType = MediaType.ociManifest;
      }
      for (const l of layers) {
        if (await client.blobExists(repo, l.desc.digest)) {
          say(`Copying blob ${digestHex(l.desc.digest).slice(0, 12)} skipped: already exists`);
          reused++;
          continue;
        }
        say(`Copying blob ${digestHex(l.desc.digest).slice(0, 12)}`);
        await client.pushBlob(repo, l.desc.digest, () => createReadStream(l.path), l.desc.size);
        pushed++;
      }
      const configDigest = sha256Of(configBody);
      say(`Copying config ${digestHex(configDigest).slice(0, 12)}`);
      if (!await client.blobExists(repo, configDigest)) await client.pushBlob(repo, configDigest, () => Readable.from([configBody]), configBody.length);
      say(`Writing manifest to image destination`);
      const digest = await client.putManifest(repo, ref.tag ?? ref.digest ?? `latest`, mediaType, manifestBody);
      emitEvents(ctx, [imageEvent(`push`, img.id, formatReference(ref))]);
      return {reference: formatReference(ref), digest, pushed, reused};
    } finally {
      for (const t of temps) await unlink(t).catch(() => undefined);
    }
  });
}

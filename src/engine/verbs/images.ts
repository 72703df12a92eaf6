// Local image verbs: images / image ls, image inspect, image exists, history, tag,
// untag. Reports carry podman's field names so `--format json` matches podman's.
import {emitEvents, imageEvent} from '../events/emit';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {Digest} from '../../oci/digest';
import {parseImageConfig} from '../../oci/image';
import type {ImageConfig} from '../../oci/image';
import {parseReference, repositoryName} from '../../oci/reference';
import {lookupLocal, mustLookup, normalizeName} from '../../image/lookup';
import type {Image} from '../../storage/ImageStore';
import {withStore} from './store';
import type {OpenedStore} from './store';
import {isoTime} from '../../util/isoTime';

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: Array<string>;
  RepoDigests: Array<string>;
  Size: number;
  SharedSize: number;
  VirtualSize: number;
  Labels: Record<string, string> | null;
  Containers: number;
  Names?: Array<string>;
  Digest: string;
  Digests: Array<string>;
  History: Array<string>;
  Dangling?: boolean;
  Created: number;
  CreatedAt: string;
}

export interface ListImagesOptions {
  all?: boolean;
  filters?: Array<string>;
}

/** `name:tag` names only (not `name@digest`). */
function repoTags(img: Image): Array<string> {
  return img.names.filter(n => !n.includes(`@`));
}

/** podman: every repository the image is named in, with every digest it was pulled by. */
function repoDigests(img: Image): Array<string> {
  const repos = new Set<string>();
  for (const n of img.names) {
    try {
      repos.add(repositoryName(parseReference(n)));
    } catch {}
  }
  const out: Array<string> = [];
  for (const r of repos) for (const d of img.digests) out.push(`${r}@${d}`);
  return out;
}

function rfc3339(s: string): string {
  const t = Date.parse(s);
  return Number.isFinite(t) ? isoTime(t).replace(/\.000Z$/, `Z`) : s;
}

async function readConfig(store: OpenedStore, img: Image): Promise<ImageConfig | undefined> {
  try {
    return parseImageConfig(await store.blobs.get(img.configDigest));
  } catch {
    return undefined;
  }
}

export async function listImages(ctx: EngineContext, opts: ListImagesOptions): Promise<Array<ImageSummary>> {
  return withStore(ctx, async store => {
    const images = await store.images.list();
    const containers = await store.containers.list();
    const filters = (opts.filters ?? []).map(parseFilter);
    const out: Array<{summary: ImageSummary, created: number}> = [];
    for (const img of images) {
      if (img.flags?.incomplete) continue;
      const config = await readConfig(store, img);
      const labels = config?.config?.Labels ?? null;
      const created = Date.parse(img.created);
      if (!filters.every(f => matches(f, img, labels, created, images))) continue;
      const s: ImageSummary = {
        Id: img.id,
        ParentId: ``,
        RepoTags: repoTags(img),
        RepoDigests: repoDigests(img),
        Size: img.size,
        SharedSize: 0,
        VirtualSize: img.size,
        Labels: labels && Object.keys(labels).length > 0 ? labels : null,
        Containers: containers.filter(c => c.image === img.id).length,
        ...(img.names.length > 0 ? {Names: img.names} : {}),
        Digest: img.digests[0] ?? img.manifestDigest,
        Digests: img.digests,
        History: img.names,
        ...(img.names.length === 0 ? {Dangling: true} : {}),
        Created: Math.floor(created / 1000),
        CreatedAt: rfc3339(img.created),
      };
      out.push({summary: s, created});
    }
    out.sort((a, b) => b.created - a.created);
    return out.map(o => o.summary);
  });
}

type Filter = {key: `reference` | `dangling` | `before` | `since` | `label` | `id`, value: string};

function parseFilter(f: string): Filter {
  const eq = f.indexOf(`=`);
  const key = eq === -1 ? f : f.slice(0, eq);
  const value = eq === -1 ? `` : f.slice(eq + 1);
  if (![`reference`, `dangling`, `before`, `since`, `label`, `id`].includes(key))
    throw new TspodError(`InvalidArgument`, `invalid image filter "${key}"`, {hint: `use reference=, dangling=, before=, since=, label= or id=`});
  if (key === `dangling` && ![`true`, `false`].includes(value))
    throw new TspodError(`InvalidArgument`, `invalid filter value "${value}" for dangling: use true or false`);
  return {key: key as Filter[`key`], value};
}

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, `\\$&`).replace(/\*/g, `[^/]*`).replace(/\?/g, `.`)}$`);
}

function matches(f: Filter, img: Image, labels: Record<string, string> | null, created: number, all: ReadonlyArray<Image>): boolean {
  switch (f.key) {
    case `dangling`: return (img.names.length === 0) === (f.value === `true`);
    case `id`: return img.id.startsWith(f.value.replace(/^sha256:/, ``));
    case `label`: {
      const eq = f.value.indexOf(`=`);
      const k = eq === -1 ? f.value : f.value.slice(0, eq);
      if (!labels || !(k in labels)) return false;
      return eq === -1 || labels[k] === f.value.slice(eq + 1);
    }
    case `before`: case `since`: {
      const other = mustLookup(all, f.value).image;
      const t = Date.parse(other.created);
      return f.key === `before` ? created < t : created > t;
    }
    case `reference`: {
      const re = glob(f.value.includes(`:`) || f.value.includes(`@`) ? f.value : `${f.value}`);
      return img.names.some(n => {
        const noTag = n.replace(/[:@][^/]*$/, ``);
        // podman matches the full name, or the name without its registry (and library/).
        const variants = [n, noTag];
        const slash = n.indexOf(`/`);
        if (slash !== -1) variants.push(n.slice(slash + 1), noTag.slice(slash + 1));
        for (const v of [...variants]) if (v.startsWith(`library/`)) variants.push(v.slice(8));
        return variants.some(v => re.test(v)) || variants.some(v => v.endsWith(`/${f.value}`) || v.endsWith(`/${f.value}:latest`));
      });
    }
  }
}

export interface ImageInspect {
  Id: string;
  Digest: string;
  RepoTags: Array<string>;
  RepoDigests: Array<string>;
  Parent: string;
  Comment: string;
  Created: string;
  Config: Record<string, unknown>;
  Version: string;
  Author: string;
  Architecture: string;
  Os: string;
  Variant?: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: {Name: string, Data: Record<string, string> | null};
  RootFS: {Type: string, Layers: Array<Digest>};
  Labels: Record<string, string> | null;
  Annotations: Record<string, string>;
  ManifestType: string;
  User: string;
  History: ImageConfig[`history`];
  NamesHistory: Array<string>;
}

export async function inspectOne(store: OpenedStore, img: Image): Promise<ImageInspect> {
  const config = await readConfig(store, img);
  let annotations: Record<string, string> = {};
  try {
    const m = JSON.parse((await store.blobs.get(img.manifestDigest)).toString(`utf8`)) as {annotations?: Record<string, string>};
    annotations = m.annotations ?? {};
  } catch {}
  const raw = config as (ImageConfig & {comment?: string, docker_version?: string}) | undefined;
  const labels = config?.config?.Labels;
  return {
    Id: img.id,
    Digest: img.digests[0] ?? img.manifestDigest,
    RepoTags: repoTags(img),
    RepoDigests: repoDigests(img),
    Parent: ``,
    Comment: raw?.comment ?? ``,
    Created: rfc3339(img.created),
    Config: (config?.config ?? {}) as Record<string, unknown>,
    Version: raw?.docker_version ?? ``,
    Author: config?.author ?? ``,
    Architecture: config?.architecture ?? ``,
    Os: config?.os ?? ``,
    ...(config?.variant ? {Variant: config.variant} : {}),
    Size: img.size,
    VirtualSize: img.size,
    GraphDriver: {Name: store.driverName, Data: img.topLayer ? {UpperDir: store.layers.diffDir(img.topLayer)} : null},
    RootFS: {Type: `layers`, Layers: config?.rootfs.diff_ids ?? []},
    Labels: labels && Object.keys(labels).length > 0 ? labels : null,
    Annotations: annotations,
    ManifestType: img.manifestMediaType ?? ``,
    User: config?.config?.User ?? ``,
    History: config?.history ?? [],
    NamesHistory: img.names,
  };
}

export async function inspectImages(ctx: EngineContext, opts: {images: Array<string>}): Promise<{images: Array<ImageInspect>, errors: Array<Error>}> {
  return withStore(ctx, async store => {
    const list = await store.images.list();
    const images: Array<ImageInspect> = [];
    const errors: Array<Error> = [];
    for (const name of opts.images) {
      const f = lookupLocal(list, name);
      if (!f) errors.push(new TspodError(`NoSuchImage`, `${name}: image not known`));
      else images.push(await inspectOne(store, f.image));
    }
    return {images, errors};
  });
}

export async function imageExists(ctx: EngineContext, opts: {image: string}): Promise<boolean> {
  return withStore(ctx, async store => {
    return lookupLocal(await store.images.list(), opts.image) !== undefined;
  });
}

export interface HistoryEntry {
  id: string;
  created: string;
  CreatedBy: string;
  size: number;
  Comment?: string;
  /** podman repeats the time under this name. */
  Created: string;
}

export async function imageHistory(ctx: EngineContext, opts: {image: string}): Promise<Array<HistoryEntry>> {
  return withStore(ctx, async store => {
    const {image} = mustLookup(await store.images.list(), opts.image);
    const config = await readConfig(store, image);
    const layers = await store.layers.list();
    const sizes = image.layers.map(id => layers.find(l => l.id === id)?.diffSize ?? 0);
    const history = config?.history ?? [];
    const out: Array<HistoryEntry> = [];
    let layer = 0;
    for (const h of history) {
      const size = h.empty_layer ? 0 : (sizes[layer++] ?? 0);
      const created = rfc3339(h.created ?? ``);
      out.push({id: `<missing>`, created, CreatedBy: h.created_by ?? ``, size, ...(h.comment ? {Comment: h.comment} : {}), Created: created});
    }
    // Layers the history does not describe (images built without history).
    while (layer < sizes.length) out.push({id: `<missing>`, created: ``, CreatedBy: ``, size: sizes[layer++]!, Created: ``});
    out.reverse();
    if (out.length === 0) out.push({id: image.id, created: rfc3339(image.created), CreatedBy: ``, size: 0, Created: rfc3339(image.created)});
    out[0]!.id = image.id;
    return out;
  });
}

export async function tagImage(ctx: EngineContext, opts: {image: string, names: Array<string>}): Promise<void> {
  return withStore(ctx, async store => {
    const {image} = mustLookup(await store.images.list(), opts.image);
    const names = opts.names.map(normalizeName);
    await store.images.addNames(image.id, names);
    emitEvents(ctx, opts.names.map(n => imageEvent(`tag`, image.id, n)));
  });
}

export async function untagImage(ctx: EngineContext, opts: {image: string, names: Array<string>}): Promise<void> {
  return withStore(ctx, async store => {
    const {image} = mustLookup(await store.images.list(), opts.image);
    if (opts.names.length === 0) {
      await store.images.removeNames(image.id, image.names);
      emitEvents(ctx, image.names.map(n => imageEvent(`untag`, image.id, n)));
      return;
    }
    const remove: Array<string> = [];
    for (const n of opts.names) {
      const norm = normalizeName(n);
      const name = image.names.includes(n) ? n : norm;
      if (!image.names.includes(name))
        throw new TspodError(`InvalidArgument`, `${n}: tag not known`, {hint: `the image's names are: ${image.names.join(`, `) || `none`}`});
      remove.push(name);
    }
    await store.images.removeNames(image.id, remove);
    emitEvents(ctx, remove.map(n => imageEvent(`untag`, image.id, n)));
  });
}

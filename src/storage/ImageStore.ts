// Images in `<graphRoot>/<driver>-images/images.json` + `images.lock`. The id is
// the config digest's hex; the manifest and config live in the BlobStore. Names
// are full references (`docker.io/library/alpine:3.20`): a name belongs to one
// image, so giving it to another moves it (podman tag semantics).
import {join} from 'node:path';
import type {Digest} from '../oci/digest';
import {TspodError} from '../engine/errors';
import {JsonIndex} from './JsonIndex';
import {pidAlive} from './BlobStore';
import {isoNow} from '../util/isoTime';

export interface Image {
  /** Config digest hex. */
  id: string;
  /** Full references, newest first. */
  names: Array<string>;
  /** Manifest digests this image was pulled by (RepoDigests); the first is the primary manifest. */
  digests: Array<Digest>;
  /** The manifest blob in the BlobStore (the platform manifest, not an index). */
  manifestDigest: Digest;
  manifestMediaType?: string;
  configDigest: Digest;
  /** Layer ids (chain ID hex), base first; the last is `topLayer`. */
  layers: Array<string>;
  topLayer?: string;
  /** Creation time from the image config, else when stored. */
  created: string;
  /** Sum of the uncompressed layer sizes plus config and manifest. */
  size: number;
  /** When it was written to the store. */
  stored?: string;
  metadata?: Record<string, unknown>;
  flags?: {incomplete?: boolean, owner?: number};
}

export type NewImage = Omit<Image, `stored` | `flags` | `digests` | `names`> & {names?: Array<string>, digests?: Array<Digest>};

export class ImageStore {
  readonly dir: string;
  private readonly index: JsonIndex<Image>;

  constructor(graphRoot: string, storeName: string, opts: {readOnly?: boolean} = {}) {
    this.dir = join(graphRoot, `${storeName}-images`);
    this.index = new JsonIndex<Image>(join(this.dir, `images.json`), join(this.dir, `images.lock`), opts);
  }

  list(): Promise<ReadonlyArray<Image>> {
    return this.index.read();
  }

  async get(id: string): Promise<Image | undefined> {
    return (await this.list()).find(i => i.id === id);
  }

  /**
   * Finds an image by full name, id, `sha256:`id, unique id prefix (3+ chars), or
   * manifest digest. Short-name resolution is the caller's business (image/).
   */
  async lookup(ref: string): Promise<Image | undefined> {
    return findImage(await this.list(), ref);
  }

  /**
   * Stores an image record, or merges into the existing one with the same id (new
   * names and digests are added). Given names are taken away from other images.
   */
  async put(image: NewImage): Promise<Image> {
    return this.index.update(records => {
      const names = image.names ?? [];
      takeNames(records, names, image.id);
      let cur = records.find(i => i.id === image.id);
      if (cur) {
        const {names: _n, digests: _d, ...rest} = image;
        Object.assign(cur, rest);
        cur.names = dedupe([...names, ...cur.names]);
        cur.digests = dedupe([...cur.digests, ...(image.digests ?? [])]);
        delete cur.flags;
      } else {
        cur = {...image, names: dedupe(names), digests: dedupe(image.digests ?? []), stored: isoNow()};
        records.push(cur);
      }
      return cur;
    });
  }

  /** Adds names (moving them from other images). */
  async addNames(id: string, names: Array<string>): Promise<Image> {
    return this.index.update(records => {
      const img = mustFind(records, id);
      takeNames(records, names, id);
      img.names = dedupe([...names, ...img.names]);
      return img;
    });
  }

  async removeNames(id: string, names: Array<string>): Promise<Image> {
    return this.index.update(records => {
      const img = mustFind(records, id);
      img.names = img.names.filter(n => !names.includes(n));
      return img;
    });
  }

  async setMetadata(id: string, metadata: Record<string, unknown>): Promise<void> {
    await this.index.update(records => {
      mustFind(records, id).metadata = metadata;
    });
  }

  /** Removes the record only; layers and blobs are collected by Store. */
  async delete(id: string): Promise<Image> {
    return this.index.update(records => {
      const img = mustFind(records, id);
      records.splice(records.indexOf(img), 1);
      return img;
    });
  }

  /** Drops image records a dead process left incomplete. */
  async cleanupIncomplete(): Promise<Array<string>> {
    const list = await this.list();
    if (!list.some(i => i.flags?.incomplete && !pidAlive(i.flags.owner ?? 0))) return [];
    return this.index.update(records => {
      const gone = records.filter(i => i.flags?.incomplete && !pidAlive(i.flags.owner ?? 0));
      for (const g of gone) records.splice(records.indexOf(g), 1);
      return gone.map(g => g.id);
    });
  }

  mutate<R>(fn: (records: Array<Image>) => Promise<R> | R): Promise<R> {
    return this.index.update(fn);
  }

  close(): void {
    this.index.close();
  }
}

export function findImage(list: ReadonlyArray<Image>, ref: string): Image | undefined {
  const byName = list.find(i => i.names.includes(ref));
  if (byName) return byName;
  const hex = ref.startsWith(`sha256:`) ? ref.slice(7) : ref;
  const exact = list.find(i => i.id === hex);
  if (exact) return exact;
  if (ref.startsWith(`sha256:`) && hex.length === 64) {
    const byDigest = list.find(i => i.digests.includes(ref as Digest));
    if (byDigest) return byDigest;
  }
  if (/^[0-9a-f]{3,63}$/.test(hex)) {
    const matches = list.filter(i => i.id.startsWith(hex));
    if (matches.length > 1) throw new TspodError(`InvalidArgument`, `image id prefix ${hex} is ambiguous: it matches ${matches.length} images`, {hint: `give more characters of the id`});
    return matches[0];
  }
  return undefined;
}

function mustFind(records: Array<Image>, id: string): Image {
  const img = records.find(i => i.id === id);
  if (!img) throw new TspodError(`NoSuchImage`, `image ${id} not found in the store`);
  return img;
}

function takeNames(records: Array<Image>, names: Array<string>, except: string): void {
  if (names.length === 0) return;
  for (const other of records)
    if (other.id !== except) other.names = other.names.filter(n => !names.includes(n));
}

function dedupe<T>(xs: Array<T>): Array<T> {
  return [...new Set(xs)];
}

// rmi / image rm and image prune. An image record goes first (under the images
// lock), then the layers and blobs nothing else refers to are collected, still
// under that lock so a pull committing at the same moment sees either the old
// layers or none (pull re-checks its layers when it commits).
import {emitEvents, imageEvent} from '../events/emit';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {lookupLocal} from '../../image/lookup';
import type {Image} from '../../storage/ImageStore';
import {withStore} from './store';
import type {OpenedStore} from './store';
import {parsePruneFilters, pruneMatches} from './pruneFilters';

export interface RemoveImagesOptions {
  images: Array<string>;
  all?: boolean;
  force?: boolean;
  ignore?: boolean;
}

export interface RemoveImagesReport {
  untagged: Array<string>;
  deleted: Array<string>;
  errors: Array<Error>;
}

export async function removeImages(ctx: EngineContext, opts: RemoveImagesOptions): Promise<RemoveImagesReport> {
  if (opts.all && opts.images.length > 0)
    throw new TspodError(`InvalidArgument`, `when using the --all switch, you may not pass any images names or IDs`);
  if (!opts.all && opts.images.length === 0)
    throw new TspodError(`InvalidArgument`, `image name or ID must be specified`, {hint: `give an image, or --all`});
  return withStore(ctx, async store => {
    const report: RemoveImagesReport = {untagged: [], deleted: [], errors: []};
    const list = await store.images.list();
    // input: the name rmi was given (podman's remove event names it; none for an ID).
    const targets: Array<{image: Image, name?: string, input?: string}> = [];
    if (opts.all) {
      for (const image of list) targets.push({image});
    } else {
      for (const input of opts.images) {
        let f;
        try {
          f = lookupLocal(list, input);
        } catch (err) {
          report.errors.push(err as Error);
          continue;
        }
        if (!f) {
          if (!opts.ignore) report.errors.push(new TspodError(`NoSuchImage`, `${input}: image not known`));
          continue;
        }
        // A name given on an image with several names only untags it (podman).
        const byName = f.name !== undefined && f.image.names.length > 1 && !opts.force;
        targets.push(byName ? {image: f.image, name: f.name!} : {image: f.image, ...(f.name !== undefined ? {input} : {})});
      }
    }
    const containers = await store.containers.list();
    for (const t of targets) {
      if (t.name !== undefined) {
        await store.images.removeNames(t.image.id, [t.name]);
        report.untagged.push(t.name);
        emitEvents(ctx, [imageEvent(`untag`, t.image.id, t.name)]);
        continue;
      }
      const users = containers.filter(c => c.image === t.image.id);
      if (users.length > 0 && !opts.force) {
        report.errors.push(new TspodError(`ImageInUse`,
          `image used by ${users.map(c => c.id).join(`, `)}: image is in use by a container: consider listing external containers and force-removing image`,
          {hint: `remove the container first, or use --force`}));
        continue;
      }
      try {
        if (users.length > 0) {
          // Through the container verb: stops them and removes their run-time state too.
          const {removeContainers} = await import(`./rm`);
          const r = await removeContainers(ctx, {containers: users.map(c => c.id), force: true});
          const failed = (r as {errors?: Array<Error>}).errors ?? [];
          if (failed.length > 0) throw failed[0];
        }
        const gone = await deleteImage(store, t.image.id);
        if (!gone) continue; // someone else removed it meanwhile
        report.untagged.push(...gone.names);
        report.deleted.push(gone.id);
        emitEvents(ctx, [...gone.names.map(n => imageEvent(`untag`, gone.id, n)), imageEvent(`remove`, gone.id, t.input)]);
      } catch (err) {
        report.errors.push(err as Error);
      }
    }
    return report;
  });
}

/** Deletes the record and collects unreferenced layers and blobs; undefined when already gone. */
async function deleteImage(store: OpenedStore, id: string): Promise<Image | undefined> {
  return store.images.mutate(async records => {
    const i = records.findIndex(r => r.id === id);
    if (i < 0) return undefined;
    const [img] = records.splice(i, 1);
    await store.collect(records, img!);
    return img;
  });
}

async function imageLabels(store: {blobs: {get(d: string): Promise<Buffer>}}, configDigest: string): Promise<Record<string, string> | undefined> {
  try {
    return (JSON.parse((await store.blobs.get(configDigest)).toString()) as {config?: {Labels?: Record<string, string>}}).config?.Labels;
  } catch {
    return undefined;
  }
}

export async function pruneImages(ctx: EngineContext, opts: {all?: boolean, filters?: Array<string>}): Promise<{deleted: Array<string>}> {
  const f = parsePruneFilters(opts.filters ?? []);
  return withStore(ctx, async store => {
    const containers = await store.containers.list();
    const used = new Set(containers.map(c => c.image));
    const candidates: Array<string> = [];
    for (const i of await store.images.list()) {
      if (used.has(i.id) || !(opts.all || i.names.length === 0) || i.flags?.incomplete) continue;
      // The labels are the image config's: read only when a filter asks for them.
      const labels = f.labels.length === 0 ? undefined : await imageLabels(store, i.configDigest);
      if (pruneMatches(f, i.created, labels)) candidates.push(i.id);
    }
    const deleted: Array<string> = [];
    for (const id of candidates) {
      // Re-check under the lock: a pull may have named it meanwhile.
      const gone = await store.images.mutate(async records => {
        const img = records.find(r => r.id === id);
        if (!img || (!opts.all && img.names.length > 0)) return undefined;
        records.splice(records.indexOf(img), 1);
        await store.collect(records, img);
        return img;
      });
      if (gone) deleted.push(gone.id);
    }
    return {deleted};
  });
}

// `tspod volume create|ls|inspect|rm|prune|export|import`: named volumes under `<graphRoot>/volumes`.
// A volume a container uses cannot be removed; prune removes every unused one.
import {emitEvents, volumeEvent} from '../events/emit';
import type {EngineContext} from '../Engine';
import {dirSize} from '../../util/dirSize';
import {isTspodError, TspodError} from '../errors';
import {checkVolumeOptions, VolumeStore} from '../run/volumes';
import type {VolumeRecord} from '../run/volumes';
import {sweepLeftovers} from '../run/prepare';
import {openStore} from './store';
import type {OpenedStore} from './store';
import {parsePruneFilters, pruneMatches} from './pruneFilters';
import {packToStream} from './export';
import {createWriteStream, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import {rm} from '../../util/fsp';
import {makeWorkDir} from '../../storage/workDirs';

export type {VolumeRecord} from '../run/volumes';

async function withStore<T>(ctx: EngineContext, fn: (s: OpenedStore, v: VolumeStore) => Promise<T>): Promise<T> {
  const s = await openStore(ctx);
  try {
    await sweepLeftovers(s.store).catch(() => undefined);
    return await fn(s, new VolumeStore(ctx.paths.graphRoot));
  } finally {
    await s.close();
  }
}

async function users(s: OpenedStore): Promise<Map<string, Array<string>>> {
  const m = new Map<string, Array<string>>();
  for (const c of await s.containers.list()) {
    for (const v of ((c.metadata as {volumes?: Array<string>}).volumes ?? [])) m.set(v, [...(m.get(v) ?? []), c.id]);
  }
  return m;
}

export async function createVolume(ctx: EngineContext, o: {name?: string | undefined, labels?: Record<string, string>, ignore?: boolean, driver?: string | undefined, options?: Record<string, string>}): Promise<VolumeRecord> {
  if (o.driver !== undefined && o.driver !== `local`)
    throw new TspodError(`InvalidArgument`, `volume plugin ${o.driver} not found: no such volume plugin`, {hint: `tspod has the local driver only`});
  const options = checkVolumeOptions(o.options ?? {});
  return withStore(ctx, async (_s, v) => {
    const r = await v.create(o.name, {...(o.labels ? {labels: o.labels} : {}), options, existOk: o.ignore ?? false});
    if (r.created) emitEvents(ctx, [volumeEvent(`create`, r.volume.Name)]);
    return r.volume;
  });
}

/** Each volume, how many containers use it, and its size (system df). */
export async function volumeUsage(ctx: EngineContext): Promise<Array<{volume: VolumeRecord, users: number, userIds: Array<string>, size: number}>> {
  return withStore(ctx, async (s, v) => {
    const inUse = await users(s);
    return (await v.list()).map(volume => ({volume, users: inUse.get(volume.Name)?.length ?? 0, userIds: inUse.get(volume.Name) ?? [], size: dirSize(volume.Mountpoint)}));
  });
}

/** `volume ls --filter`: name, label, driver and dangling, as podman; several filters must all match. */
export async function listVolumes(ctx: EngineContext, o: {filters?: Array<string>} = {}): Promise<Array<VolumeRecord>> {
  const tests = (o.filters ?? []).map(parseVolumeFilter);
  return withStore(ctx, async (s, v) => {
    const inUse = tests.some(t => t.key === `dangling`) ? await users(s) : new Map<string, Array<string>>();
    return (await v.list()).filter(vol => tests.every(t => t.match(vol, inUse)));
  });
}

function parseVolumeFilter(f: string): {key: string, match: (v: VolumeRecord, inUse: Map<string, Array<string>>) => boolean} {
  const i = f.indexOf(`=`);
  const key = i < 0 ? f : f.slice(0, i), value = i < 0 ? `` : f.slice(i + 1);
  switch (key) {
    case `name`: return {key, match: v => v.Name.includes(value)};
    case `driver`: return {key, match: v => v.Driver === value};
    case `label`: {
      const j = value.indexOf(`=`);
      const lk = j < 0 ? value : value.slice(0, j);
      return {key, match: v => lk in v.Labels && (j < 0 || v.Labels[lk] === value.slice(j + 1))};
    }
    case `dangling`:
      if (value !== `true` && value !== `false`) break;
      return {key, match: (v, inUse) => ((inUse.get(v.Name)?.length ?? 0) === 0) === (value === `true`)};
  }
  throw new TspodError(`InvalidArgument`, `invalid volume filter "${f}"`, {hint: `use name=, label=KEY[=VALUE], driver=local or dangling=true|false`});
}

export async function volumeExists(ctx: EngineContext, name: string): Promise<boolean> {
  return withStore(ctx, async (_s, v) => (await v.get(name)) !== undefined);
}

/** podman's inspect of a volume: the record, MountCount and NeedsCopyUp; Anonymous only when true (omitempty). */
export type VolumeInspect = Omit<VolumeRecord, `Anonymous`> & {MountCount: number, NeedsCopyUp: boolean, Anonymous?: true};

export async function inspectVolumes(ctx: EngineContext, o: {names: Array<string>, all?: boolean}): Promise<Array<VolumeInspect>> {
  return withStore(ctx, async (s, v) => {
    const vols = o.all ? await v.list() : await Promise.all(o.names.map(n => v.mustGet(n)));
    const running = new Map<string, number>();
    for (const c of await s.containers.list()) {
      if ((c.metadata as {state?: string}).state !== `running`) continue;
      for (const n of (c.metadata as {volumes?: Array<string>}).volumes ?? []) running.set(n, (running.get(n) ?? 0) + 1);
    }
    return vols.map(({Anonymous, ...rec}) => ({
      ...rec,
      // Only a volume tspod mounts (--opt) is mounted; a directory one is bound into each container.
      MountCount: Object.keys(rec.Options ?? {}).length > 0 ? running.get(rec.Name) ?? 0 : 0,
      // tspod's rule for copy-up: an empty volume gets the image's content at its mount point.
      NeedsCopyUp: isEmptyDir(rec.Mountpoint),
      ...(Anonymous ? {Anonymous: true as const} : {}),
    }));
  });
}

function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return true;
  }
}

/** Removes each volume it can; a failure (no such volume, in use without force) is reported, the rest go on, as podman does. */
export async function removeVolumes(ctx: EngineContext, o: {names: Array<string>, all?: boolean, force?: boolean}): Promise<{removed: Array<string>, errors: Array<Error>}> {
  if (o.force) {
    // podman: --force removes the containers that use the volume first, running ones stopped as rm -f stops them.
    const using = await withStore(ctx, async (s, v) => {
      const inUse = await users(s);
      const names = o.all ? (await v.list()).map(vol => vol.Name) : o.names;
      return [...new Set(names.flatMap(n => inUse.get(n) ?? []))];
    });
    if (using.length > 0) {
      const {removeContainers} = await import(`./rm`);
      const r = await removeContainers(ctx, {containers: using, force: true, ignore: true, volumes: false});
      if (r.errors.length > 0) return {removed: [], errors: r.errors as Array<Error>};
    }
  }
  return withStore(ctx, async (s, v) => {
    const inUse = await users(s);
    const names = o.all ? (await v.list()).map(vol => vol.Name) : o.names;
    const removed: Array<string> = [], errors: Array<Error> = [];
    for (const n of names) {
      try {
        await v.mustGet(n);
      } catch (err) {
        // podman: with --force a volume that does not exist is no error.
        if (!(o.force && isTspodError(err, `NoSuchVolume`))) errors.push(err as Error);
        continue;
      }
      // With --force its containers are gone already (above); one made since is still in the way.
      const ids = inUse.get(n) ?? [];
      if (ids.length > 0) {
        errors.push(new TspodError(`CtrStateInvalid`, `volume ${n} is being used by the following container(s): ${ids.join(`, `)}: volume is being used`, {hint: `remove the container first, or use --force`}));
        continue;
      }
      await v.remove(n, p => s.store.removeTree(p));
      removed.push(n);
      emitEvents(ctx, [volumeEvent(`remove`, n)]);
    }
    return {removed, errors};
  });
}

export async function pruneVolumes(ctx: EngineContext, opts: {filters?: Array<string>} = {}): Promise<{removed: Array<string>}> {
  const f = parsePruneFilters(opts.filters ?? []);
  return withStore(ctx, async (s, v) => {
    const inUse = await users(s);
    const removed: Array<string> = [];
    for (const vol of await v.list()) {
      if ((inUse.get(vol.Name) ?? []).length > 0 || !pruneMatches(f, vol.CreatedAt, vol.Labels)) continue;
      try {
        await v.remove(vol.Name, p => s.store.removeTree(p));
      } catch (err) {
        // Removed meanwhile by another tspod (volume rm, another prune): not this prune's.
        if (isTspodError(err, `NoSuchVolume`) || (err as NodeJS.ErrnoException).code === `ENOENT`) continue;
        throw err;
      }
      removed.push(vol.Name);
      // podman tells of each pruned volume twice: removed, and pruned.
      emitEvents(ctx, [volumeEvent(`remove`, vol.Name), volumeEvent(`prune`, vol.Name)]);
    }
    return {removed};
  });
}

/** A volume the local driver keeps in its directory (not a tmpfs or a bind from --opt): what export and import act on. */
function ownDirectory(vol: VolumeRecord, verb: string): string {
  if (vol.Options?.type === `tmpfs` || /(^|,)r?bind(,|$)/.test(vol.Options?.o ?? ``))
    throw new TspodError(`InvalidArgument`, `volume ${vol.Name} is mounted from elsewhere (--opt ${vol.Options.type === `tmpfs` ? `type=tmpfs` : `o=bind`}): there is nothing in its own directory to ${verb}`, {hint: vol.Options.device?.startsWith(`/`) ? `use ${vol.Options.device} directly` : `copy the files from a container that mounts it (tspod cp)`});
  return vol.Mountpoint;
}

/** `volume export`: the volume's files as a tar, packed in the user namespace so owners are the containers' ids. */
export async function exportVolume(ctx: EngineContext, o: {name: string, output: NodeJS.WritableStream}): Promise<void> {
  await withStore(ctx, async (s, v) => {
    await packToStream(ctx, s.store, {dirs: [ownDirectory(await v.mustGet(o.name), `export`)], mode: `diff`, whiteouts: `vfs`}, o.output);
  });
}

/** `volume import`: a tar's files into the volume (owners as the tar has them, in the user namespace); hostile entries are refused. */
export async function importVolume(ctx: EngineContext, o: {name: string, input: NodeJS.ReadableStream}): Promise<void> {
  await withStore(ctx, async (s, v) => {
    const dir = ownDirectory(await v.mustGet(o.name), `import into`);
    const tmp = await makeWorkDir(ctx.paths.graphRoot, `volume-import`);
    try {
      const tar = join(tmp, `volume.tar`);
      await pipeline(o.input, createWriteStream(tar));
      // As podman's (an untar over the volume): an entry replaces what is there, whatever its kind.
      await s.store.worker().extract({tar, root: dir, dest: ``, overwrite: true}, `volume ${o.name}`);
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
  });
}

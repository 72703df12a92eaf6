// Layers by chain ID in `<graphRoot>/<driver>-layers/layers.json` + `layers.lock`.
// A layer is recorded with `flags.incomplete` (and the owning pid) before its files
// are written and the flag is cleared when they are complete; a loader that finds
// an incomplete layer whose owner is gone deletes it. Layers are referenced by
// images (and containers); a layer with children is never deleted.
import {join} from 'node:path';
import type {Digest} from '../oci/digest';
import {TspodError} from '../engine/errors';
import {JsonIndex} from './JsonIndex';
import type {Driver, LayerPrep, WorkerOp} from './drivers/Driver';
import {pidAlive} from './BlobStore';
import {isoNow} from '../util/isoTime';

export interface Layer {
  /** Chain ID hex for image layers; a random id for a container's writable layer. */
  id: string;
  parent?: string;
  created: string;
  /** sha256 of the uncompressed tar (the diffID), recomputed while applying. */
  diffDigest?: Digest;
  diffSize?: number;
  /** Digest and size of the blob it was applied from, as stored in the BlobStore. */
  compressedDigest?: Digest;
  compressedSize?: number;
  /** A container's writable layer. */
  readWrite?: boolean;
  /** A `run --rm` container's layer: kept in volatile-layers.json, written without fsync (JsonIndex). */
  volatile?: boolean;
  flags?: {
    incomplete?: boolean,
    /** pid of the process writing an incomplete layer. */
    owner?: number,
  };
}

export interface LayerDiffInfo {
  diffDigest: Digest;
  diffSize: number;
  compressedDigest?: Digest;
  compressedSize?: number;
}

export type BeginResult =
  | {state: `exists`, layer: Layer}
  | {state: `begun`, layer: Layer, prep: LayerPrep};

/** Runs file work that needs root in the user namespace (the apply worker). */
export type OpRunner = (ops: Array<WorkerOp>) => Promise<void>;

export interface LayerStoreOptions {
  readOnly?: boolean;
  /** How long begin() waits for a layer another live process is writing (default 10 min). */
  waitMs?: number;
}

export class LayerStore {
  readonly dir: string;
  readonly driver: Driver;
  private readonly index: JsonIndex<Layer>;
  private readonly runOps: OpRunner;
  private readonly waitMs: number;

  constructor(graphRoot: string, driver: Driver, runOps: OpRunner, opts: LayerStoreOptions = {}) {
    this.dir = join(graphRoot, `${driver.storeName}-layers`);
    this.driver = driver;
    this.runOps = runOps;
    this.waitMs = opts.waitMs ?? 10 * 60_000;
    this.index = new JsonIndex<Layer>(join(this.dir, `layers.json`), join(this.dir, `layers.lock`), {
      readOnly: opts.readOnly, volatile: {file: join(this.dir, `volatile-layers.json`), is: l => l.volatile === true},
    });
  }

  list(): Promise<ReadonlyArray<Layer>> {
    return this.index.read();
  }

  async get(id: string): Promise<Layer | undefined> {
    return (await this.list()).find(l => l.id === id);
  }

  /** A complete layer with this id exists. */
  async has(id: string): Promise<boolean> {
    const l = await this.get(id);
    return l !== undefined && !l.flags?.incomplete;
  }

  /** Directory holding the layer's files (for diff, export, checks). */
  diffDir(id: string): string {
    return this.driver.diffDir(id);
  }

  /**
   * Starts a layer: records it as incomplete and prepares its directory. When a
   * complete layer with the id exists, returns it; when another live process is
   * writing it, waits for that process; a dead writer's leftovers are removed first.
   */
  async begin(id: string, parent: string | undefined, opts: {readWrite?: boolean, volatile?: boolean} = {}): Promise<BeginResult> {
    const start = Date.now();
    let delay = 50;
    for (;;) {
      const r = await this.index.update(async records => {
        const cur = records.find(l => l.id === id);
        if (cur && !cur.flags?.incomplete) return {state: `exists` as const, layer: cur};
        if (cur && pidAlive(cur.flags?.owner ?? 0)) return {state: `busy` as const};
        if (parent !== undefined) {
          const p = records.find(l => l.id === parent);
          if (!p || p.flags?.incomplete)
            throw new TspodError(`Storage`, `parent layer ${parent} of ${id} is missing or incomplete`);
        }
        if (cur) {
          await this.runOps(await this.driver.removeLayer(id));
          records.splice(records.indexOf(cur), 1);
        }
        const layer: Layer = {
          id,
          ...(parent !== undefined ? {parent} : {}),
          created: isoNow(),
          ...(opts.readWrite ? {readWrite: true} : {}),
          ...(opts.volatile ? {volatile: true} : {}),
          flags: {incomplete: true, owner: process.pid},
        };
        records.push(layer);
        return {state: `new` as const, layer};
      });
      if (r.state === `exists`) return r;
      if (r.state === `new`) {
        try {
          const prep = opts.readWrite ? await this.driver.createReadWrite(id, parent) : await this.driver.createLayer(id, parent);
          return {state: `begun`, layer: r.layer, prep};
        } catch (err) {
          await this.abort(id).catch(() => undefined);
          throw err;
        }
      }
      if (Date.now() - start > this.waitMs)
        throw new TspodError(`Locked`, `layer ${id} is being written by another tspod process for too long`, {hint: `wait for the other pull to finish, or stop it`});
      await new Promise(resolve => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 1000);
    }
  }

  /** Marks a begun layer complete and records its digests. */
  async commit(id: string, info?: LayerDiffInfo): Promise<Layer> {
    return this.index.update(records => {
      const l = records.find(x => x.id === id);
      if (!l) throw new TspodError(`Storage`, `layer ${id} vanished while it was being written`);
      if (info) Object.assign(l, info);
      delete l.flags;
      return l;
    });
  }

  /** Drops a begun layer and its files. */
  async abort(id: string): Promise<void> {
    await this.index.update(async records => {
      const i = records.findIndex(x => x.id === id);
      await this.runOps(await this.driver.removeLayer(id));
      if (i >= 0) records.splice(i, 1);
    });
  }

  /**
   * Flags a layer incomplete (owned by this process) before a removal that spans two
   * indexes: killed half-way, the next store open deletes it (cleanupIncomplete).
   */
  async markIncomplete(id: string): Promise<void> {
    await this.index.update(records => {
      const l = records.find(x => x.id === id);
      if (l) l.flags = {incomplete: true, owner: process.pid};
    });
  }

  /** Deletes a layer; refuses while another layer has it as parent. */
  async delete(id: string): Promise<void> {
    await this.index.update(async records => {
      const i = records.findIndex(x => x.id === id);
      if (i < 0) throw new TspodError(`Storage`, `layer ${id} does not exist`);
      const child = records.find(x => x.parent === id);
      if (child) throw new TspodError(`Storage`, `layer ${id} is the parent of layer ${child.id}`);
      await this.runOps(await this.driver.removeLayer(id));
      records.splice(i, 1);
    });
  }

  /** Removes incomplete layers whose writer is gone (the load-time cleanup). Returns their ids. */
  async cleanupIncomplete(): Promise<Array<string>> {
    const stale = (await this.list()).filter(l => l.flags?.incomplete && !pidAlive(l.flags.owner ?? 0));
    if (stale.length === 0) return [];
    return this.index.update(async records => {
      const gone: Array<string> = [];
      for (const l of [...records]) {
        if (!l.flags?.incomplete || pidAlive(l.flags.owner ?? 0)) continue;
        await this.runOps(await this.driver.removeLayer(l.id));
        records.splice(records.indexOf(l), 1);
        gone.push(l.id);
      }
      return gone;
    });
  }

  /** For check --repair: runs fn on the records under the write lock. */
  mutate<R>(fn: (records: Array<Layer>) => Promise<R> | R): Promise<R> {
    return this.index.update(fn);
  }

  close(): void {
    this.index.close();
  }
}

// Containers in `<graphRoot>/<driver>-containers/containers.json` + `containers.lock`,
// each with a private `<id>/userdata/` directory (config.json and friends). The
// container's writable layer is a LayerStore record; Store ties the two together.
import {join} from 'node:path';
import {mkdirSync, rmSync} from 'node:fs';
import {randomBytes} from '../util/randomBytes';
import {TspodError} from '../engine/errors';
import {JsonIndex} from './JsonIndex';
import {isoNow} from '../util/isoTime';

export interface ContainerRecord {
  /** 64 hex chars. */
  id: string;
  names: Array<string>;
  /** Image id (config digest hex); empty for a rootfs container. */
  image: string;
  /** Its writable layer's id. */
  layer: string;
  created: string;
  /** Free-form, owned by the engine (JSON-serialisable). */
  metadata: Record<string, unknown>;
  flags?: {incomplete?: boolean, owner?: number};
  /** A `run --rm` container: kept in volatile-containers.json, written without fsync (JsonIndex). */
  volatile?: boolean;
}

export interface NewContainer {
  id?: string;
  names?: Array<string>;
  image: string;
  layer: string;
  metadata?: Record<string, unknown>;
  /** Without names: makes one (the caller's policy), taken only when no container has it. */
  generateName?: () => string;
  volatile?: boolean;
}

/** A generated name no record has, chosen under the index lock; a number is appended once the tries run out. */
function freeName(records: ReadonlyArray<ContainerRecord>, generate: () => string): string {
  const taken = new Set(records.flatMap(r => r.names));
  for (let i = 0; i < 20; i++) {
    const n = generate();
    if (!taken.has(n)) return n;
  }
  const base = generate();
  for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
}

export function newContainerId(): string {
  return randomBytes(32).toString(`hex`);
}

export class ContainerStore {
  readonly dir: string;
  private readonly index: JsonIndex<ContainerRecord>;

  constructor(graphRoot: string, storeName: string, opts: {readOnly?: boolean} = {}) {
    this.dir = join(graphRoot, `${storeName}-containers`);
    this.index = new JsonIndex<ContainerRecord>(join(this.dir, `containers.json`), join(this.dir, `containers.lock`), {
      ...opts, volatile: {file: join(this.dir, `volatile-containers.json`), is: c => c.volatile === true},
    });
  }

  list(): Promise<ReadonlyArray<ContainerRecord>> {
    return this.index.read();
  }

  async get(id: string): Promise<ContainerRecord | undefined> {
    return (await this.list()).find(c => c.id === id);
  }

  /** By name, full id, or unique id prefix. */
  async lookup(ref: string): Promise<ContainerRecord | undefined> {
    const list = await this.list();
    const hit = list.find(c => c.names.includes(ref) || c.id === ref);
    if (hit) return hit;
    if (!/^[0-9a-f]{1,63}$/.test(ref)) return undefined;
    const matches = list.filter(c => c.id.startsWith(ref));
    if (matches.length > 1) throw new TspodError(`InvalidArgument`, `container id prefix ${ref} is ambiguous: it matches ${matches.length} containers`, {hint: `give more characters of the id`});
    return matches[0];
  }

  /** `<id>/userdata/` */
  userdataDir(id: string): string {
    return join(this.dir, id, `userdata`);
  }

  /** Records a container; names must be free. Creates its userdata directory. */
  async create(c: NewContainer): Promise<ContainerRecord> {
    const id = c.id ?? newContainerId();
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`Assertion failed: container id ${id}`);
    const rec = await this.index.update(records => {
      if (records.some(r => r.id === id)) throw new TspodError(`NameInUse`, `the container id ${id} is already in use`);
      for (const n of c.names ?? []) {
        const owner = records.find(r => r.names.includes(n));
        if (owner) throw new TspodError(`NameInUse`, `the container name "${n}" is already in use by ${owner.id}`, {hint: `remove that container first, or choose another name with --name`});
      }
      const names = [...(c.names ?? [])];
      if (names.length === 0 && c.generateName) names.push(freeName(records, c.generateName));
      const r: ContainerRecord = {id, names, image: c.image, layer: c.layer, created: isoNow(), metadata: c.metadata ?? {}, ...(c.volatile ? {volatile: true} : {})};
      records.push(r);
      return r;
    });
    mkdirSync(this.userdataDir(id), {recursive: true, mode: 0o700});
    return rec;
  }

  async setMetadata(id: string, metadata: Record<string, unknown>): Promise<ContainerRecord> {
    return this.index.update(records => {
      const c = mustFind(records, id);
      c.metadata = metadata;
      return c;
    });
  }

  /** Read-modify-write of one record under the lock. */
  async updateRecord(id: string, fn: (c: ContainerRecord) => void): Promise<ContainerRecord> {
    return this.index.update(records => {
      const c = mustFind(records, id);
      fn(c);
      return c;
    });
  }

  /** Removes the record and its `<id>/` directory (the layer is Store's business). */
  async delete(id: string): Promise<ContainerRecord> {
    const c = await this.index.update(records => {
      const c = mustFind(records, id);
      records.splice(records.indexOf(c), 1);
      return c;
    });
    rmSync(join(this.dir, id), {recursive: true, force: true});
    return c;
  }

  mutate<R>(fn: (records: Array<ContainerRecord>) => Promise<R> | R): Promise<R> {
    return this.index.update(fn);
  }

  close(): void {
    this.index.close();
  }
}

function mustFind(records: Array<ContainerRecord>, id: string): ContainerRecord {
  const c = records.find(r => r.id === id);
  if (!c) throw new TspodError(`NoSuchContainer`, `no container with id ${id}`);
  return c;
}

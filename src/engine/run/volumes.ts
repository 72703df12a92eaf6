// Named volumes under the graph root, podman's layout: `volumes/<name>/_data` holds
// the files, `volumes/<name>/volume.json` the record. A volume is built under a
// temp name and renamed into place, so two tspods creating the same volume agree.
import {mkdir, readFile, readdir, rename, rm, writeFile} from '../../util/fsp';
import {join} from 'node:path';
import {randomBytes} from '../../util/randomBytes';
import {TspodError} from '../errors';
import {checkVolumeName} from './options';
import {isoNow} from '../../util/isoTime';

export interface VolumeRecord {
  Name: string;
  Driver: `local`;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: `local`;
  Options: Record<string, string>;
  Anonymous: boolean;
}

export function volumesDir(graphRoot: string): string {
  return join(graphRoot, `volumes`);
}

export class VolumeStore {
  readonly dir: string;

  constructor(graphRoot: string) {
    this.dir = volumesDir(graphRoot);
  }

  private recordPath(name: string): string {
    return join(this.dir, name, `volume.json`);
  }

  async get(name: string): Promise<VolumeRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.recordPath(name), `utf8`)) as VolumeRecord;
    } catch {
      return undefined;
    }
  }

  async mustGet(name: string): Promise<VolumeRecord> {
    const v = await this.get(name);
    if (!v) throw new TspodError(`NoSuchVolume`, `no volume with name "${name}" found: no such volume`);
    return v;
  }

  async list(): Promise<Array<VolumeRecord>> {
    const names = await readdir(this.dir).catch(() => [] as Array<string>);
    const out: Array<VolumeRecord> = [];
    for (const n of names.sort()) {
      if (n.startsWith(`.`)) continue;
      const v = await this.get(n);
      if (v) out.push(v);
    }
    return out;
  }

  /** Creates the volume; with `existOk`, an existing one is returned (first use by run). */
  async create(name: string | undefined, opts: {labels?: Record<string, string>, existOk?: boolean} = {}): Promise<{volume: VolumeRecord, created: boolean}> {
    const anonymous = name === undefined;
    const n = name === undefined ? randomBytes(32).toString(`hex`) : checkVolumeName(name);
    const existing = await this.get(n);
    if (existing) {
      if (opts.existOk) return {volume: existing, created: false};
      throw new TspodError(`NameInUse`, `volume with name ${n} already exists: volume already exists`);
    }
    await mkdir(this.dir, {recursive: true, mode: 0o700});
    const tmp = join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString(`hex`)}`);
    const rec: VolumeRecord = {
      Name: n, Driver: `local`, Mountpoint: join(this.dir, n, `_data`), CreatedAt: isoNow(),
      Labels: opts.labels ?? {}, Scope: `local`, Options: {}, Anonymous: anonymous,
    };
    await mkdir(join(tmp, `_data`), {recursive: true, mode: 0o755});
    await writeFile(join(tmp, `volume.json`), `${JSON.stringify(rec, null, 2)}\n`);
    try {
      await rename(tmp, join(this.dir, n));
    } catch (err) {
      await rm(tmp, {recursive: true, force: true});
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== `EEXIST` && code !== `ENOTEMPTY`) throw err;
      // Another tspod created it first: use theirs.
      const theirs = await this.mustGet(n);
      if (!opts.existOk) throw new TspodError(`NameInUse`, `volume with name ${n} already exists: volume already exists`);
      return {volume: theirs, created: false};
    }
    return {volume: rec, created: true};
  }

  /**
   * Removes the volume directory. Its files may belong to subordinate ids: `removeTree`
   * removes a tree from inside the user namespace when plain rm cannot.
   */
  async remove(name: string, removeTree: (path: string) => Promise<void>): Promise<void> {
    await this.mustGet(name);
    const victim = join(this.dir, `.rm-${process.pid}-${randomBytes(6).toString(`hex`)}`);
    await rename(join(this.dir, name), victim);
    try {
      await rm(victim, {recursive: true, force: true});
    } catch {
      await removeTree(victim);
    }
  }
}

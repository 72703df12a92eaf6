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

/**
 * `volume create --opt`: the local driver's type, device and o (mount options), as podman's.
 * Rootless, a volume can be a tmpfs (type=tmpfs) or a bind of a host directory (o=bind,
 * device=PATH); a filesystem of another type needs root to mount, and is refused.
 */
export function checkVolumeOptions(opts: Record<string, string>): Record<string, string> {
  for (const k of Object.keys(opts))
    if (![`type`, `device`, `o`].includes(k)) throw new TspodError(`InvalidArgument`, `invalid mount option ${k} for driver 'local'`, {hint: `the local driver takes type, device and o`});
  const type = opts.type ?? ``;
  const o = (opts.o ?? ``).split(`,`).filter(Boolean);
  if (type === `tmpfs`) {
    for (const x of o)
      if (!/^(size=\d+[kmg]?|nr_inodes=\d+|mode=[0-7]{1,4}|uid=\d+|gid=\d+|nosuid|nodev|noexec|suid|dev|exec|ro|rw)$/.test(x))
        throw new TspodError(`InvalidArgument`, `invalid tmpfs option "${x}" in o=`, {hint: `use size=, nr_inodes=, mode=, uid=, gid=, nosuid, nodev, noexec, ro or rw`});
    return opts;
  }
  if (o.includes(`bind`) || o.includes(`rbind`)) {
    if (type !== `` && type !== `none` && type !== `bind`) throw new TspodError(`InvalidArgument`, `a bind volume takes type=none (or none), not type=${type}`);
    if (!opts.device?.startsWith(`/`)) throw new TspodError(`InvalidArgument`, `a bind volume needs device=/absolute/host/path`);
    return opts;
  }
  if (type === `` && opts.device === undefined && o.length === 0) return opts;
  throw new TspodError(`Unsupported`, `mounting a volume of type ${type || `(none)`}${opts.device ? ` from ${opts.device}` : ``} needs root: a rootless user can only have tmpfs and bind volumes`, {hint: `use --opt type=tmpfs --opt device=tmpfs, or --opt type=none --opt o=bind --opt device=/host/dir`});
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
  async create(name: string | undefined, opts: {labels?: Record<string, string>, options?: Record<string, string>, existOk?: boolean} = {}): Promise<{volume: VolumeRecord, created: boolean}> {
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
      Labels: opts.labels ?? {}, Scope: `local`, Options: opts.options ?? {}, Anonymous: anonymous,
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

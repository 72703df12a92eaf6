// Native overlay (and the on-disk format fuse-overlayfs shares), laid out like
// c/storage's overlay driver:
//   overlay/<id>/diff    the layer's files (whiteouts: char 0/0, opaque: user.overlay.opaque)
//   overlay/<id>/link    the layer's short name
//   overlay/<id>/lower   `l/<short>:l/<short>…` of its parents, nearest first
//   overlay/<id>/work    (writable layers) overlay's workdir
//   overlay/<id>/merged  (writable layers) the mount point
//   overlay/l/<short> -> ../<id>/diff   so a long lowerdir list fits in one page
import {mkdir, readFile, readdir, rm, symlink, writeFile, stat, readlink} from '../../util/fsp';
import {randomBytes} from '../../util/randomBytes';
import {join} from 'node:path';
import {TspodError} from '../../engine/errors';
import type {Driver, DriverName, LayerPrep, MountSpec, WorkerOp} from './Driver';

const ID_LENGTH = 26;
const MAX_DEPTH = 500;
/** mount(2) data must fit in a page. */
const PAGE = 4096;

export class OverlayDriver implements Driver {
  readonly name: DriverName;
  readonly storeName = `overlay`;
  readonly home: string;
  readonly whiteouts = `overlay` as const;

  constructor(graphRoot: string, name: DriverName = `overlay`) {
    this.home = join(graphRoot, `overlay`);
    this.name = name;
  }

  private layerDir(id: string): string {
    if (!/^[0-9a-zA-Z_-]+$/.test(id)) throw new Error(`Assertion failed: layer id ${id}`);
    return join(this.home, id);
  }

  diffDir(id: string): string {
    return join(this.layerDir(id), `diff`);
  }

  async createLayer(id: string, parent: string | undefined): Promise<LayerPrep> {
    const dir = this.layerDir(id);
    await rm(dir, {recursive: true, force: true});
    await mkdir(join(this.home, `l`), {recursive: true, mode: 0o700});
    await mkdir(dir, {mode: 0o700});
    await mkdir(join(dir, `diff`), {mode: 0o755});
    const short = randomBytes(20).toString(`base64url`).replace(/[-_]/g, `A`).slice(0, ID_LENGTH).toUpperCase();
    await symlink(join(`..`, id, `diff`), join(this.home, `l`, short));
    await writeFile(join(dir, `link`), short);
    if (parent !== undefined) {
      const chain = [`l/${await this.shortName(parent)}`, ...(await this.lowers(parent))];
      if (chain.length > MAX_DEPTH) throw new TspodError(`Storage`, `layer ${id} would be ${chain.length} layers deep; overlay allows ${MAX_DEPTH}`);
      await writeFile(join(dir, `lower`), chain.join(`:`));
    }
    return {dir: join(dir, `diff`), before: []};
  }

  async createReadWrite(id: string, parent: string | undefined): Promise<LayerPrep> {
    const prep = await this.createLayer(id, parent);
    await mkdir(join(this.layerDir(id), `work`), {mode: 0o700});
    await mkdir(join(this.layerDir(id), `merged`), {mode: 0o755});
    return prep;
  }

  private async shortName(id: string): Promise<string> {
    return (await readFile(join(this.layerDir(id), `link`), `utf8`)).trim();
  }

  /** Parents of `id`, nearest first, as `l/<short>` relative to home. */
  private async lowers(id: string): Promise<Array<string>> {
    try {
      const s = (await readFile(join(this.layerDir(id), `lower`), `utf8`)).trim();
      return s === `` ? [] : s.split(`:`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === `ENOENT`) return [];
      throw err;
    }
  }

  async exists(id: string): Promise<boolean> {
    return stat(this.diffDir(id)).then(s => s.isDirectory(), () => false);
  }

  async listLayers(): Promise<Array<string>> {
    const names = await readdir(this.home).catch(() => [] as Array<string>);
    return names.filter(n => n !== `l` && !n.startsWith(`.`));
  }

  async removeLayer(id: string): Promise<Array<WorkerOp>> {
    const dir = this.layerDir(id);
    const short = await this.shortName(id).catch(() => undefined);
    if (short) await rm(join(this.home, `l`, short), {force: true});
    // Drop any other dangling short links pointing at it (an interrupted create).
    for (const n of await readdir(join(this.home, `l`)).catch(() => [] as Array<string>)) {
      const t = await readlink(join(this.home, `l`, n)).catch(() => ``);
      if (t === join(`..`, id, `diff`)) await rm(join(this.home, `l`, n), {force: true});
    }
    if (!(await stat(dir).then(() => true, () => false))) return [];
    return [{op: `remove`, path: dir}];
  }

  /** lowerdir/upperdir/workdir for a writable layer. */
  protected async dirs(id: string): Promise<{lower: Array<string>, upper: string, work: string}> {
    const lower = await this.lowers(id);
    if (lower.length === 0) {
      // overlay needs a lower layer: an image with no layers gets an empty one.
      await mkdir(join(this.home, `l`, `empty`), {recursive: true, mode: 0o755});
      lower.push(`l/empty`);
    }
    return {lower, upper: this.diffDir(id), work: join(this.layerDir(id), `work`)};
  }

  async mountSpec(id: string, target: string): Promise<MountSpec> {
    const {lower, upper, work} = await this.dirs(id);
    const abs = `lowerdir=${lower.map(l => join(this.home, l)).join(`:`)},upperdir=${upper},workdir=${work},userxattr`;
    if (abs.length < PAGE - 1) return {kind: `mount`, type: `overlay`, source: `overlay`, target, data: abs};
    const rel = `lowerdir=${lower.join(`:`)},upperdir=${upper},workdir=${work},userxattr`;
    if (rel.length >= PAGE - 1) throw new TspodError(`Storage`, `too many layers to mount layer ${id}: the overlay options exceed a page`);
    return {kind: `mount`, type: `overlay`, source: `overlay`, target, data: rel, cwd: this.home};
  }
}

// Native overlay (and the on-disk format fuse-overlayfs shares), laid out like
// c/storage's overlay driver:
//   overlay/<id>/diff    the layer's files (whiteouts: char 0/0, opaque: user.overlay.opaque)
//   overlay/<id>/link    the layer's short name
//   overlay/<id>/lower   `l/<short>:l/<short>…` of its parents, nearest first
//   overlay/<id>/work    (writable layers) overlay's workdir
//   overlay/<id>/merged  (writable layers) the mount point
//   overlay/l/<short> -> ../<id>/diff   so a long lowerdir list fits in one page
// Synchronous fs: each call is one small syscall, which a thread-pool round trip costs
// more than, and `run` makes a dozen of them.
import {existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
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
    // A directory left by an interrupted create: its short link may be there too.
    if (existsSync(dir)) this.removeLinksTo(id);
    rmSync(dir, {recursive: true, force: true});
    mkdirSync(join(this.home, `l`), {recursive: true, mode: 0o700});
    mkdirSync(dir, {mode: 0o700});
    mkdirSync(join(dir, `diff`), {mode: 0o755});
    const short = randomBytes(20).toString(`base64url`).replace(/[-_]/g, `A`).slice(0, ID_LENGTH).toUpperCase();
    symlinkSync(join(`..`, id, `diff`), join(this.home, `l`, short));
    writeFileSync(join(dir, `link`), short);
    if (parent !== undefined) {
      const chain = [`l/${this.shortName(parent)}`, ...this.lowers(parent)];
      if (chain.length > MAX_DEPTH) throw new TspodError(`Storage`, `layer ${id} would be ${chain.length} layers deep; overlay allows ${MAX_DEPTH}`);
      writeFileSync(join(dir, `lower`), chain.join(`:`));
    }
    return {dir: join(dir, `diff`), before: []};
  }

  async createReadWrite(id: string, parent: string | undefined): Promise<LayerPrep> {
    const prep = await this.createLayer(id, parent);
    mkdirSync(join(this.layerDir(id), `work`), {mode: 0o700});
    mkdirSync(join(this.layerDir(id), `merged`), {mode: 0o755});
    return prep;
  }

  private shortName(id: string): string {
    return readFileSync(join(this.layerDir(id), `link`), `utf8`).trim();
  }

  /** Parents of `id`, nearest first, as `l/<short>` relative to home. */
  private lowers(id: string): Array<string> {
    try {
      const s = readFileSync(join(this.layerDir(id), `lower`), `utf8`).trim();
      return s === `` ? [] : s.split(`:`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === `ENOENT`) return [];
      throw err;
    }
  }

  async exists(id: string): Promise<boolean> {
    try {
      return statSync(this.diffDir(id)).isDirectory();
    } catch {
      return false;
    }
  }

  async listLayers(): Promise<Array<string>> {
    let names: Array<string> = [];
    try { names = readdirSync(this.home); } catch {}
    return names.filter(n => n !== `l` && !n.startsWith(`.`));
  }

  async removeLayer(id: string): Promise<Array<WorkerOp>> {
    const dir = this.layerDir(id);
    let short: string | undefined;
    try { short = this.shortName(id); } catch {}
    if (short) rmSync(join(this.home, `l`, short), {force: true});
    // No link file: the create was interrupted after (or before) its short link was made.
    else this.removeLinksTo(id);
    if (!existsSync(dir)) return [];
    return [{op: `remove`, path: dir}];
  }

  /** Removes every short link to `id` (one per create of it that was interrupted): a readlink per layer, so only then. */
  private removeLinksTo(id: string): void {
    let names: Array<string> = [];
    try { names = readdirSync(join(this.home, `l`)); } catch {}
    for (const n of names) {
      let t = ``;
      try { t = readlinkSync(join(this.home, `l`, n)); } catch {}
      if (t === join(`..`, id, `diff`)) rmSync(join(this.home, `l`, n), {force: true});
    }
  }

  /** lowerdir/upperdir/workdir for a writable layer. */
  protected async dirs(id: string): Promise<{lower: Array<string>, upper: string, work: string}> {
    const lower = this.lowers(id);
    if (lower.length === 0) {
      // overlay needs a lower layer: an image with no layers gets an empty one.
      mkdirSync(join(this.home, `l`, `empty`), {recursive: true, mode: 0o755});
      lower.push(`l/empty`);
    }
    return {lower, upper: this.diffDir(id), work: join(this.layerDir(id), `work`)};
  }

  mountPoint(id: string): string {
    return join(this.layerDir(id), `merged`);
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

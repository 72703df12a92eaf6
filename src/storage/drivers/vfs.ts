// vfs: a full copy per layer (c/storage drivers/vfs), no mounts. A layer starts as
// a copy of its parent (made by the worker, in the user namespace, so owners are
// kept), then the layer's tar is applied with whiteouts as deletions.
//   vfs/dir/<id>/   the layer's complete tree
import {mkdir, readdir, stat} from '../../util/fsp';
import {join} from 'node:path';
import type {Driver, LayerPrep, MountSpec, WorkerOp} from './Driver';

export class VfsDriver implements Driver {
  readonly name = `vfs` as const;
  readonly storeName = `vfs`;
  readonly home: string;
  readonly whiteouts = `vfs` as const;

  constructor(graphRoot: string) {
    this.home = join(graphRoot, `vfs`);
  }

  diffDir(id: string): string {
    if (!/^[0-9a-zA-Z_-]+$/.test(id)) throw new Error(`Assertion failed: layer id ${id}`);
    return join(this.home, `dir`, id);
  }

  async createLayer(id: string, parent: string | undefined): Promise<LayerPrep> {
    const dir = this.diffDir(id);
    await mkdir(join(this.home, `dir`), {recursive: true, mode: 0o700});
    if (parent === undefined) {
      await mkdir(dir, {recursive: true, mode: 0o755});
      return {dir, before: []};
    }
    // Remove any stale copy first: cp -a into an existing directory would merge.
    return {dir, before: [{op: `remove`, path: dir}, {op: `copy`, from: this.diffDir(parent), to: dir}]};
  }

  createReadWrite(id: string, parent: string | undefined): Promise<LayerPrep> {
    return this.createLayer(id, parent);
  }

  async exists(id: string): Promise<boolean> {
    return stat(this.diffDir(id)).then(s => s.isDirectory(), () => false);
  }

  async listLayers(): Promise<Array<string>> {
    return (await readdir(join(this.home, `dir`)).catch(() => [] as Array<string>)).filter(n => !n.startsWith(`.`));
  }

  async removeLayer(id: string): Promise<Array<WorkerOp>> {
    return (await this.exists(id)) ? [{op: `remove`, path: this.diffDir(id)}] : [];
  }

  /** A vfs layer is a complete tree: it is the container's root, bound onto itself (a mount point for pivot_root). */
  mountPoint(id: string): string {
    return this.diffDir(id);
  }

  async mountSpec(id: string, target: string): Promise<MountSpec> {
    return {kind: `bind`, source: this.diffDir(id), target};
  }
}

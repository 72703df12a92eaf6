// The storage-driver interface (c/storage drivers/driver.go ProtoDriver, cut down).
// A driver owns `<graphRoot>/<storeName>/` and decides how a layer's directory is
// laid out, how a layer starts from its parent, and what mount a container needs.
// It never mounts anything itself: the C helper mounts inside the user namespace.
// Work that must touch files owned by subordinate ids (copying a vfs parent,
// removing a layer) is returned as WorkerOps for the Store to run (Store.runOps:
// removals as the user first, in the user namespace only for what is left).

export type DriverName = `overlay` | `fuse-overlayfs` | `vfs`;

/** The directory-name prefix of a driver's stores (Driver.storeName), from its name alone: both overlay drivers share `overlay`. */
export function storeNameOf(name: string): string {
  return name === `fuse-overlayfs` ? `overlay` : name;
}

/** How whiteouts and opaque directories are written into a layer's directory. */
export type WhiteoutFormat = `overlay` | `vfs`;

/** The mount a container's root file system needs, as data for the helper. */
export type MountSpec =
  | {
    kind: `mount`,
    type: `overlay`,
    source: `overlay`,
    target: string,
    /** mount(2) data, e.g. `lowerdir=l/AB:l/CD,upperdir=…,workdir=…,userxattr`. */
    data: string,
    /** When set, lowerdir paths are relative to this directory: chdir here before mount(2). */
    cwd?: string,
  }
  | {
    kind: `fuse`,
    /** Program and arguments to run inside the user namespace; it mounts `target` and stays running. */
    argv: Array<string>,
    target: string,
  }
  | {
    kind: `bind`,
    source: string,
    target: string,
  };

/** File work that needs root inside the user namespace (see applyWorker's protocol). */
export type WorkerOp =
  | {op: `copy`, from: string, to: string}
  | {op: `remove`, path: string};

export interface LayerPrep {
  /** The directory the layer's tar is applied into. */
  dir: string;
  /** Work to run in the user namespace before applying (vfs: copy the parent's tree). */
  before: Array<WorkerOp>;
}

export interface Driver {
  readonly name: DriverName;
  /** Directory-name prefix of the stores (`overlay` for both overlay drivers: they share layers). */
  readonly storeName: string;
  /** `<graphRoot>/<storeName>` */
  readonly home: string;
  readonly whiteouts: WhiteoutFormat;

  /** Creates the directories of a new read-only layer on top of `parent`. */
  createLayer(id: string, parent: string | undefined): Promise<LayerPrep>;
  /** Creates a container's writable layer on top of `parent` (an image's top layer). */
  createReadWrite(id: string, parent: string | undefined): Promise<LayerPrep>;
  /** Files of the layer, as the apply worker sees them. */
  diffDir(id: string): string;
  exists(id: string): Promise<boolean>;
  /** Layer ids with a directory on disk. */
  listLayers(): Promise<Array<string>>;
  /** Bookkeeping to drop outside the user namespace, then the ops that remove the files. */
  removeLayer(id: string): Promise<Array<WorkerOp>>;
  /** Where a container's root is mounted by default (overlay: `<id>/merged`; vfs: the layer's own directory, bound onto itself). */
  mountPoint(id: string): string;
  /** The mount that presents layer `id` (a read-write layer) and its parents at `target`. */
  mountSpec(id: string, target: string): Promise<MountSpec>;
}

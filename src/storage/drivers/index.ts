// The one place that turns a driver name into a Driver, and that probes which
// drivers this host can use (native overlay needs a user namespace to try in).
import {existsSync, mkdirSync, readFileSync, statfsSync} from 'node:fs';
import {mkdir, mkdtemp, rm} from '../../util/fsp';
import {dirname, join} from 'node:path';
import {promisify} from 'node:util';
import {TspodError} from '../../engine/errors';
import {writeJsonAtomic} from '../../util/atomicWrite';
import {childProcess} from '../../util/lazyBuiltins';
import {usernsArgv} from '../WorkerClient';
import type {UsernsLauncher} from '../WorkerClient';
import type {Driver, DriverName} from './Driver';
import {OverlayDriver} from './overlay';
import {FuseOverlayfsDriver} from './fuseOverlayfs';
import {VfsDriver} from './vfs';

export type {Driver, DriverName, MountSpec, WorkerOp, LayerPrep, WhiteoutFormat} from './Driver';

const execFileP = (file: string, args: Array<string>, opts: {timeout?: number} = {}) => promisify(childProcess().execFile)(file, args, opts);
export const DRIVER_NAMES: ReadonlyArray<DriverName> = [`overlay`, `fuse-overlayfs`, `vfs`];

export function isDriverName(s: string): s is DriverName {
  return (DRIVER_NAMES as ReadonlyArray<string>).includes(s);
}

export function createDriver(name: string, graphRoot: string, opts: {fuseProgram?: string} = {}): Driver {
  switch (name) {
    case `overlay`: return new OverlayDriver(graphRoot);
    case `fuse-overlayfs`: return new FuseOverlayfsDriver(graphRoot, opts.fuseProgram);
    case `vfs`: return new VfsDriver(graphRoot);
    default:
      throw new TspodError(`InvalidArgument`, `unknown storage driver "${name}"`, {hint: `use one of: ${DRIVER_NAMES.join(`, `)}`});
  }
}

export interface ProbeResult {
  overlay: boolean;
  /** Why native overlay failed (the mount error), when it did. */
  overlayError?: string;
  /** Only checked when native overlay fails (it is then the next best). */
  fuseOverlayfs: boolean;
  /** The driver to use by default. */
  best: DriverName;
  kernel?: string;
}

/** The probe cache: per user (the file is in the user's runtime dir), kernel and boot, one result per file-system type. */
interface ProbeCache {
  kernel: string;
  boot: string;
  byFs: Record<string, ProbeResult>;
}

export interface ProbeOptions {
  /** Probe even when the cache has an answer. */
  fresh?: boolean;
  /** Where answers are cached (Paths.driverProbeCache); none: no caching. */
  cacheFile?: string;
}

/**
 * Which drivers work here: a native overlay mount (with userxattr, and a whiteout
 * written through it) in a temp dir under the graph root, tried in one short-lived
 * user namespace (one `tspod-helper userns -- sh -c …`, no Node inside); only when
 * that fails, whether fuse-overlayfs is installed. Native overlay support depends on
 * the kernel and on the file system under the graph root, not on the store, so the
 * answer is cached per user in `cacheFile`, keyed by kernel release, boot id and the
 * graph root's file-system type: a fresh store does not pay for the probe again.
 */
export async function probeDrivers(graphRoot: string, launcher: UsernsLauncher, opts: ProbeOptions = {}): Promise<ProbeResult> {
  // Synchronous: every command that opens the store comes here first, and on a busy
  // machine each round trip through libuv's thread pool costs more than these reads.
  const read = (f: string) => { try { return readFileSync(f, `utf8`).trim(); } catch { return ``; } };
  const kernel = read(`/proc/sys/kernel/osrelease`), boot = read(`/proc/sys/kernel/random/boot_id`);
  mkdirSync(graphRoot, {recursive: true, mode: 0o700});
  let fsType = `unknown`;
  try {
    fsType = statfsSync(graphRoot).type.toString(16);
  } catch {}
  let cache: ProbeCache | undefined;
  if (opts.cacheFile !== undefined) {
    try {
      const c = JSON.parse(readFileSync(opts.cacheFile, `utf8`)) as ProbeCache;
      if (c.kernel === kernel && c.boot === boot && typeof c.byFs === `object` && c.byFs !== null) cache = c;
    } catch {}
    const hit = cache?.byFs[fsType];
    if (!opts.fresh && hit && isDriverName(hit.best)) return hit;
  }
  const {overlay, overlayError} = await probeOverlay(graphRoot, launcher);
  const fuseOverlayfs = !overlay && existsSync(`/dev/fuse`) && (await execFileP(`fuse-overlayfs`, [`--version`]).then(() => true, () => false));
  const result: ProbeResult = {
    overlay,
    ...(overlayError !== undefined ? {overlayError} : {}),
    fuseOverlayfs,
    best: overlay ? `overlay` : fuseOverlayfs ? `fuse-overlayfs` : `vfs`,
    kernel,
  };
  if (opts.cacheFile !== undefined) {
    const next: ProbeCache = {kernel, boot, byFs: {...cache?.byFs, [fsType]: result}};
    await mkdir(dirname(opts.cacheFile), {recursive: true, mode: 0o700})
      .then(() => writeJsonAtomic(opts.cacheFile!, next))
      .catch(() => undefined);
  }
  return result;
}

/**
 * Runs inside the user namespace with cwd-relative overlay options (no path quoting
 * issues): sets up lower/upper/work, mounts, deletes a lower file through the mount
 * (a whiteout: needs a kernel that allows them in a user namespace), unmounts and
 * removes the temp dir, whose overlay `work/work` is root-owned in the namespace.
 */
const PROBE_SCRIPT = [
  `cd "$1" || exit 1`,
  `mkdir lower upper work merged && echo x > lower/f || exit 1`,
  `r=0`,
  `if mount -t overlay overlay -o lowerdir=lower,upperdir=upper,workdir=work,userxattr merged; then`,
  `  rm merged/f || r=1`,
  `  umount merged || r=1`,
  `else r=1; fi`,
  `cd / && rm -rf "$1"`,
  `exit $r`,
].join(`\n`);

async function probeOverlay(graphRoot: string, launcher: UsernsLauncher): Promise<{overlay: boolean, overlayError?: string}> {
  const tmp = await mkdtemp(join(graphRoot, `.probe-`));
  const argv = usernsArgv([`sh`, `-c`, PROBE_SCRIPT, `sh`, tmp], launcher);
  try {
    await execFileP(argv[0]!, argv.slice(1), {timeout: 20_000});
    return {overlay: true};
  } catch (err) {
    const overlayError = ((err as {stderr?: string}).stderr || (err as Error).message).trim().split(`\n`).pop();
    return {overlay: false, ...(overlayError ? {overlayError} : {})};
  } finally {
    // Normally gone already; left over when the namespace could not start (nothing root-owned then).
    await rm(tmp, {recursive: true, force: true}).catch(() => undefined);
  }
}

// The one place that turns a driver name into a Driver, and that probes which
// drivers this host can use (native overlay needs a user namespace to try in).
import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {TspodError} from '../../engine/errors';
import {writeJsonAtomic} from '../../util/atomicWrite';
import {usernsArgv} from '../WorkerClient';
import type {UsernsLauncher} from '../WorkerClient';
import type {Driver, DriverName} from './Driver';
import {OverlayDriver} from './overlay';
import {FuseOverlayfsDriver} from './fuseOverlayfs';
import {VfsDriver} from './vfs';

export type {Driver, DriverName, MountSpec, WorkerOp, LayerPrep, WhiteoutFormat} from './Driver';

const execFileP = promisify(execFile);
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
  fuseOverlayfs: boolean;
  /** The driver to use by default. */
  best: DriverName;
  kernel?: string;
}

/**
 * Tries a native overlay mount (with userxattr) inside a user namespace in a
 * temp dir under the graph root, and checks for fuse-overlayfs. The result is
 * cached in `<graphRoot>/.driver-probe.json`, keyed by kernel release.
 */
export async function probeDrivers(graphRoot: string, launcher: UsernsLauncher, opts: {fresh?: boolean} = {}): Promise<ProbeResult> {
  const cacheFile = join(graphRoot, `.driver-probe.json`);
  const kernel = (await readFile(`/proc/sys/kernel/osrelease`, `utf8`).catch(() => ``)).trim();
  if (!opts.fresh) {
    try {
      const cached = JSON.parse(await readFile(cacheFile, `utf8`)) as ProbeResult;
      if (cached.kernel === kernel) return cached;
    } catch {}
  }
  await mkdir(graphRoot, {recursive: true, mode: 0o700});
  const tmp = await mkdtemp(join(graphRoot, `.probe-`));
  let overlay = false;
  let overlayError: string | undefined;
  try {
    for (const d of [`lower`, `upper`, `work`, `merged`]) await mkdir(join(tmp, d));
    await writeFile(join(tmp, `lower`, `f`), `x`);
    const script = `mount -t overlay overlay -o lowerdir=${tmp}/lower,upperdir=${tmp}/upper,workdir=${tmp}/work,userxattr ${tmp}/merged && test -f ${tmp}/merged/f && rm ${tmp}/merged/f && umount ${tmp}/merged`;
    const argv = usernsArgv([`sh`, `-c`, script], launcher);
    try {
      await execFileP(argv[0]!, argv.slice(1), {timeout: 20_000});
      overlay = true;
    } catch (err) {
      overlayError = ((err as {stderr?: string}).stderr || (err as Error).message).trim().split(`\n`).pop();
    }
  } finally {
    // The work dir holds a root-owned (in the userns) `work/` subdir: remove in the userns too.
    const argv = usernsArgv([`rm`, `-rf`, tmp], launcher);
    await execFileP(argv[0]!, argv.slice(1)).catch(() => rm(tmp, {recursive: true, force: true}).catch(() => undefined));
  }
  const fuseOverlayfs = existsSync(`/dev/fuse`) && (await execFileP(`fuse-overlayfs`, [`--version`]).then(() => true, () => false));
  const result: ProbeResult = {
    overlay,
    ...(overlayError !== undefined ? {overlayError} : {}),
    fuseOverlayfs,
    best: overlay ? `overlay` : fuseOverlayfs ? `fuse-overlayfs` : `vfs`,
    kernel,
  };
  await writeJsonAtomic(cacheFile, result).catch(() => undefined);
  return result;
}

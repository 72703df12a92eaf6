// Which runtime runs a container (`--runtime`, else containers.conf's engine.runtime,
// else the built-in tspod-helper), what an OCI runtime cannot do here (refused before
// anything is created), and a foreground run through it (runtime/runc.ts).
//
// runc runs foreground containers: `run` with -i, -t (with a terminal), --rm, signals
// and podman's exit codes, and `exec` into them. Detached containers (`run -d`, `create`
// then `start`) need tspod's monitor, which drives tspod-helper only: refused for now.
import {isTerminal} from '../../util/fdWriter';
import {closeSync, openSync} from 'node:fs';
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {engineRuntime} from '../../config/containersConf';
import {resolveRuntime} from '../../runtime/ociRuntime';
import type {RuntimeChoice} from '../../runtime/ociRuntime';
import type {OciRuntimeRef} from '../../runtime/runc';
import {runFiles} from '../lifecycle/containers';

export type OciChoice = Extract<RuntimeChoice, {kind: `oci`}>;

/** The runtime for a new container: --runtime, then containers.conf, then the built-in one. */
export function chooseRuntime(ctx: EngineContext): RuntimeChoice {
  const value = ctx.runtime ?? engineRuntime(ctx.env, ctx.paths);
  return resolveRuntime(value, ctx.env.PATH);
}

/** The OCI runtime a container was run with (recorded in its metadata), if any. */
export function recordedRuntime(metadata: Record<string, unknown>): OciRuntimeRef | undefined {
  const r = metadata.runtime as {name?: unknown, path?: unknown} | undefined;
  if (!r || (r.name !== `runc` && r.name !== `crun`) || typeof r.path !== `string`) return undefined;
  return {name: r.name, path: r.path};
}

/** runc relays a terminal only when one of its stdio streams or the controlling terminal is one. */
export function hostTerminal(): boolean {
  if ([0, 1].some(fd => isTerminal(fd))) return true;
  try {
    closeSync(openSync(`/dev/tty`, `r`));
    return true;
  } catch {
    return false;
  }
}

function refuse(what: string, hint: string): TspodError {
  return new TspodError(`Unsupported`, what, {hint});
}

/** What `run`/`create` cannot do with an OCI runtime on this host, refused before anything is made. */
export function checkOciRun(choice: OciChoice, o: {detach?: boolean, tty?: boolean, network?: string | undefined, pid?: string | undefined, ipc?: string | undefined, uts?: string | undefined, cgroupns?: string | undefined}, verb: `run` | `create`): void {
  const rt = `--runtime ${choice.name}`;
  if (verb === `create` || o.detach)
    throw refuse(`${verb === `create` ? `create` : `run -d`} with ${rt} is not supported: tspod runs ${choice.name} containers in the foreground only (detached containers need tspod's monitor)`,
      `use tspod run --runtime ${choice.name}${verb === `create` ? `` : ` without -d`}, or drop --runtime to use the built-in runtime`);
  if (o.tty && !hostTerminal())
    throw refuse(`-t with ${rt} needs a terminal: ${choice.name} relays the container's terminal to tspod's own, and there is none`,
      `run tspod from a terminal, drop -t, or drop --runtime to use the built-in runtime`);
  if (o.network?.startsWith(`container:`))
    throw refuse(`--network ${o.network} with ${rt} is not supported: the container would have to join another container's user namespace`,
      `drop --runtime to use the built-in runtime`);
  if (o.cgroupns === `private`)
    throw refuse(`--cgroupns private with ${rt} is not supported: the container is moved into its cgroup after ${choice.name} made its namespaces`,
      `drop --cgroupns (${choice.name}'s containers keep the caller's cgroup namespace), or drop --runtime to use the built-in runtime`);
  for (const [flag, v] of [[`--pid`, o.pid], [`--ipc`, o.ipc], [`--uts`, o.uts]] as const)
    if (v?.startsWith(`container:`))
      throw refuse(`${flag} ${v} with ${rt} is not supported: the container would have to join another container's user namespace`,
        `drop --runtime to use the built-in runtime`);
}

/** runc and crun mount the root themselves: a FUSE root needs its daemon started in the container's namespaces, which only the built-in runtime does. */
export function checkOciDriver(choice: OciChoice, driver: string): void {
  if (driver === `fuse-overlayfs`)
    throw refuse(`--runtime ${choice.name} with the fuse-overlayfs storage driver is not supported: the root's FUSE daemon is started by tspod's built-in runtime`,
      `drop --runtime to use the built-in runtime, or use --storage-driver overlay or vfs`);
}

export interface OciDirs {
  /** The runtime's state (--root), per runtime name. */
  stateRoot: string;
  /** The bundle of one start (config.json, fifos, log). */
  bundleDir: string;
  /** Scratch directory of one exec. */
  execDir: (session: string) => string;
}

/** The runtime's state per runtime name; bundles and exec scratch in the container's run directory (rm removes it). */
export function ociDirs(runRoot: string, name: string, id: string): OciDirs {
  const dir = runFiles(runRoot, id).dir;
  return {
    stateRoot: join(runRoot, `oci`, name),
    bundleDir: join(dir, `oci-bundle`),
    execDir: session => join(dir, `oci-exec-${session.slice(0, 16)}`),
  };
}

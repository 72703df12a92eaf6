// cp with a running container goes through the container's own view of its files,
// /proc/PID/root, as podman's copier does: volumes, bind mounts, tmpfs and the init files
// are where the container has them, and nothing is written below a mounted overlay
// (changes there the kernel leaves undefined: the container may not see them). The apply
// worker does it, started by `tspod-helper exec` in the container's user namespace only
// (root there may look into the container; the worker stays in the host's mounts, where
// node and the tar file are).
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {WorkerClient} from '../../storage/WorkerClient';
import type {ContainerRecord} from '../../storage/ContainerStore';
import type {RuntimeSpec} from '../../oci/runtimeSpec';
import {CAPABILITIES, capabilityMask} from '../../runtime/capabilities';
import {helperBin} from '../lifecycle/monitor';
import {isAlive} from '../lifecycle/procStat';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {planTokens} from './exec';

/** File systems whose files are not the container's to archive (reading some never ends). */
const PSEUDO = new Set([`proc`, `sysfs`, `devpts`, `mqueue`, `cgroup`, `cgroup2`]);

export interface LiveView {
  /** `/proc/PID/root`. */
  root: string;
  worker: WorkerClient;
  /** Where the pseudo file systems are mounted (relative, no leading slash). */
  pseudo: Array<string>;
}

/** The running container's view, or undefined when it is not running. `spec` is its config.json; `tmp` holds the helper's plan. */
export function liveView(ctx: EngineContext, c: ContainerRecord, spec: RuntimeSpec | undefined, tmp: string): LiveView | undefined {
  const m = c.metadata as LifeMeta;
  if (!isRunning(m) || typeof m.pid !== `number` || !isAlive(m.pid, m.pidStart)) return undefined;
  const all = capabilityMask(CAPABILITIES);
  const plan = join(tmp, `worker.plan`);
  writeFileSync(plan, [
    planTokens(`pid`, [String(m.pid)]),
    planTokens(`namespaces`, [`user`]),
    planTokens(`user`, [`0`, `0`]),
    planTokens(`cwd`, [`/`]),
    planTokens(`caps`, [all, all, all, all, all]),
    planTokens(`env`, [`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`]),
    planTokens(`args`, [process.execPath, join(ctx.installDir, `dist/apply-worker.js`)]),
  ].join(``), {mode: 0o600});
  // No config.json: nothing known to skip.
  const pseudo = (spec?.mounts ?? []).filter(x => PSEUDO.has(x.type ?? ``)).map(x => x.destination.replace(/^\/+|\/+$/g, ``));
  return {root: `/proc/${m.pid}/root`, worker: new WorkerClient({workerScript: ``, argv: [helperBin(ctx), `exec`, plan]}), pseudo};
}

/** Archiving `sub` would walk into /proc, /sys or the like (`cp ctr:/ dir`). */
export function reachesPseudo(view: LiveView, sub: string): boolean {
  return view.pseudo.some(d => sub === `` || d === sub || d.startsWith(`${sub}/`));
}

// --sdnotify conmon|container|ignore (podman's modes) for a container run by a
// Type=notify unit. conmon: tspod tells systemd READY=1 (MAINPID = tspod, the unit's
// main process) once the container process exists (its pid file is written before the
// helper releases it). container: the container gets the socket and sends READY itself.
// ignore: nobody tells systemd (the unit must not be Type=notify).
import {existsSync} from 'node:fs';
import {dirname} from 'node:path';
import {TspodError} from '../errors';
import type {RuntimeSpec} from '../../oci/runtimeSpec';

export type SdNotifyMode = `conmon` | `container` | `ignore`;
export const CONTAINER_NOTIFY_DIR = `/run/notify`;

export function parseSdNotify(v: string | undefined): SdNotifyMode {
  const m = v ?? `conmon`;
  if (m === `conmon` || m === `container` || m === `ignore`) return m;
  throw new TspodError(`InvalidArgument`, `invalid --sdnotify "${m}"`, {hint: `use conmon, container or ignore`});
}

/** container mode: the socket's folder bound into the container, NOTIFY_SOCKET pointing at it. */
export function applySdNotify(spec: RuntimeSpec, mode: SdNotifyMode, notifySocket: string | undefined): void {
  if (mode !== `container` || !notifySocket) return;
  if (notifySocket.startsWith(`@`)) throw new TspodError(`Unsupported`, `--sdnotify container needs a NOTIFY_SOCKET path, not the abstract socket ${notifySocket}`, {hint: `use --sdnotify conmon`});
  const name = notifySocket.slice(dirname(notifySocket).length + 1);
  spec.mounts = [...(spec.mounts ?? []), {destination: CONTAINER_NOTIFY_DIR, type: `bind`, source: dirname(notifySocket), options: [`bind`, `rprivate`]}];
  spec.process.env = [...(spec.process.env ?? []).filter(e => !e.startsWith(`NOTIFY_SOCKET=`)), `NOTIFY_SOCKET=${CONTAINER_NOTIFY_DIR}/${name}`];
}

/** conmon mode: READY=1 once the pid file exists (polled; the container is being released). */
export async function notifyWhenStarted(notifySocket: string, pidFile: string, signal: {done: boolean}): Promise<void> {
  for (let i = 0; i < 1200 && !signal.done; i++) {
    if (existsSync(pidFile)) break;
    await new Promise(r => setTimeout(r, 50));
  }
  if (signal.done) return;
  const {sdNotify} = await import(`../../sys/notify`);
  sdNotify(notifySocket, `READY=1\nMAINPID=${process.pid}\n`);
}

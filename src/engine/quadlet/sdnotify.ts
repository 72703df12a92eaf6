// --sdnotify conmon|container|ignore (podman's modes) for a container run by a
// Type=notify unit. conmon: tspod tells systemd READY=1 once the container process
// exists (its pid file is written before the helper releases it). container: the
// container gets a socket of its own (CONTAINER_NOTIFY_DIR, bound from the container's
// userdata) and tspod relays what it sends to $NOTIFY_SOCKET, as conmon does for podman:
// systemd only accepts messages from the unit's own processes (the container may live
// in a scope of its own), and the user's systemd folder, which holds the manager's
// private bus, never enters the container. ignore: nobody tells systemd.
// With run -d the monitor becomes the unit's main process (MAINPID=) before tspod exits;
// in container mode tspod exits once the container has said READY=1 (later messages
// have no relay).
import {existsSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {TspodError} from '../errors';
import type {RuntimeSpec} from '../../oci/runtimeSpec';

export type SdNotifyMode = `conmon` | `container` | `ignore`;
export const CONTAINER_NOTIFY_DIR = `/run/notify`;
const SOCKET = `notify.sock`;

export function parseSdNotify(v: string | undefined): SdNotifyMode {
  const m = v ?? `conmon`;
  if (m === `conmon` || m === `container` || m === `ignore`) return m;
  throw new TspodError(`InvalidArgument`, `invalid --sdnotify "${m}"`, {hint: `use conmon, container or ignore`});
}

/** The host folder holding the relay socket of a container (under its userdata). */
export const notifyDir = (userdata: string): string => join(userdata, `notify`);

/** container mode: the relay folder bound into the container, NOTIFY_SOCKET pointing at its socket. */
export function applySdNotify(spec: RuntimeSpec, mode: SdNotifyMode, notifySocket: string | undefined, userdata: string): void {
  if (mode !== `container` || !notifySocket) return;
  const dir = notifyDir(userdata);
  mkdirSync(dir, {recursive: true, mode: 0o755});
  spec.mounts = [...(spec.mounts ?? []), {destination: CONTAINER_NOTIFY_DIR, type: `bind`, source: dir, options: [`bind`, `rprivate`]}];
  spec.process.env = [...(spec.process.env ?? []).filter(e => !e.startsWith(`NOTIFY_SOCKET=`)), `NOTIFY_SOCKET=${CONTAINER_NOTIFY_DIR}/${SOCKET}`];
}

/** Whether the container was made with a relay socket folder (container mode under a unit). */
export function usesRelay(spec: RuntimeSpec): boolean {
  return (spec.mounts ?? []).some(m => m.destination === CONTAINER_NOTIFY_DIR);
}

async function send(notifySocket: string, message: string): Promise<void> {
  const {sdNotify} = await import(`../../sys/notify`);
  sdNotify(notifySocket, message);
}

/** conmon mode: READY=1 once the pid file exists (polled; the container is being released). */
export async function notifyWhenStarted(notifySocket: string, pidFile: string, signal: {done: boolean}): Promise<void> {
  for (let i = 0; i < 1200 && !signal.done; i++) {
    if (existsSync(pidFile)) break;
    await new Promise(r => setTimeout(r, 50));
  }
  if (signal.done) return;
  await send(notifySocket, `READY=1\nMAINPID=${process.pid}\n`);
}

export interface NotifyRelay {
  /** Resolves when the container has sent READY=1 (relayed). */
  readonly ready: Promise<void>;
  /** Starts relaying (messages sent before wait in the socket's queue). */
  start(): void;
  close(): void;
}

/**
 * container mode: binds the container's socket now (before the container starts, so its
 * first message is never refused) and, once started, relays each message to $NOTIFY_SOCKET
 * from this process, minus MAINPID= (a pid of the container's namespace means nothing to systemd).
 */
export async function openRelay(notifySocket: string, userdata: string, onError: (err: unknown) => void): Promise<NotifyRelay> {
  const {listenNotify, sdNotify} = await import(`../../sys/notify`);
  const dir = notifyDir(userdata);
  mkdirSync(dir, {recursive: true, mode: 0o755});
  const rx = listenNotify(join(dir, SOCKET));
  let timer: NodeJS.Timeout | undefined;
  let markReady = () => {};
  const ready = new Promise<void>(resolve => { markReady = resolve; });
  const pump = () => {
    try {
      for (const msg of rx.drain()) {
        const lines = msg.split(`\n`).filter(l => l !== `` && !l.startsWith(`MAINPID=`));
        if (lines.length === 0) continue;
        sdNotify(notifySocket, `${lines.join(`\n`)}\n`);
        if (lines.includes(`READY=1`)) markReady();
      }
    } catch (err) {
      onError(err);
    }
  };
  return {
    ready,
    start() {
      if (timer) return;
      pump();
      timer = setInterval(pump, 100);
    },
    close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      pump();
      rx.close();
    },
  };
}

/**
 * run -d under a Type=notify unit: the monitor (which outlives this CLI) becomes the
 * unit's main process; conmon mode says READY=1 with it, container mode relays until the
 * container says READY=1 itself, or stops (`alive` turns false).
 */
export async function notifyDetached(notifySocket: string, mode: SdNotifyMode, monitorPid: number, relay: NotifyRelay | undefined, alive: () => boolean): Promise<void> {
  if (mode === `ignore`) return;
  if (mode === `conmon`) {
    await send(notifySocket, `MAINPID=${monitorPid}\nREADY=1\n`);
    return;
  }
  await send(notifySocket, `MAINPID=${monitorPid}\n`);
  if (!relay) return;
  relay.start();
  let stop = false;
  await Promise.race([relay.ready, (async () => {
    while (!stop && alive()) await new Promise(r => setTimeout(r, 200));
  })()]);
  stop = true;
}

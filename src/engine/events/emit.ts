// Every tspod process appends the events it causes to one log under the run root (podman's
// file backend keeps $XDG_RUNTIME_DIR/libpod/tmp/events/events.log): one write(2) of whole
// lines on an O_APPEND descriptor, so concurrent writers never interleave within a line and
// the hot path takes no lock. Past the size cap (containers.conf events_logfile_max_size,
// 1 MB by default as in podman) the log is renamed to events.log.1 under a lock taken only
// then. Writing an event never fails a command: a problem is a debug message.
import {closeSync, fstatSync, mkdirSync, openSync, renameSync, statSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {eventsLogfileMaxSize, eventsLogger} from '../../config/containersConf';
import type {ContainerRecord} from '../../storage/ContainerStore';
import {eventLine, nowNanos, rfc3339Nano} from './record';
import type {NewEvent} from './record';

export const DEFAULT_MAX_SIZE = 1_000_000;

export type EventsBackend = `file` | `none`;

export function eventsLogPath(runRoot: string): string {
  return join(runRoot, `events`, `events.log`);
}

/**
 * --events-backend, else containers.conf's events_logger, else file. journald is refused
 * when asked for on the command line; from containers.conf (podman's default on systemd
 * hosts) it means the file, said at debug level.
 */
export function resolveEventsBackend(ctx: Pick<EngineContext, `env` | `paths` | `log`>, flag: string | undefined): EventsBackend {
  const value = flag ?? eventsLogger(ctx.env, ctx.paths);
  if (value === undefined || value === `file`) return `file`;
  if (value === `none`) return `none`;
  if (value === `journald` && flag === undefined) {
    ctx.log.debug(`events_logger "journald" in containers.conf: tspod writes events to its file log`);
    return `file`;
  }
  if (value === `journald`)
    throw new TspodError(`Unsupported`, `the journald events backend is not supported by tspod`, {hint: `use --events-backend file (the default) or none`});
  throw new TspodError(`InvalidArgument`, `invalid events backend "${value}"`, {hint: `use --events-backend file or none`});
}

/** The log open for append, its folder made on first use. Throws as openSync does. */
function openLog(ctx: EngineContext, path: string): number {
  try {
    return openSync(path, `a`, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== `ENOENT`) throw err;
    mkdirSync(join(ctx.paths.runRoot, `events`), {recursive: true, mode: 0o700});
    return openSync(path, `a`, 0o600);
  }
}

/**
 * For a program that writes events later, each with the time it happens (tspod-helper
 * exec's exec and exec_died, after tspod became it): the log open for append, and each
 * event's line before and after its time, without its first `{` (where the program puts
 * `"ContainerExitCode":N,`). Undefined with the `none` backend or when the log cannot be opened.
 */
export function deferredEvents(ctx: EngineContext, es: ReadonlyArray<NewEvent>): {fd: number, lines: Array<[head: string, tail: string]>} | undefined {
  if (ctx.eventsBackend === `none`) return undefined;
  const marker = `@TIME@`;
  const lines: Array<[string, string]> = [];
  for (const e of es) {
    const line = eventLine(e, marker);
    // Time follows ID, Image, Name and Status, none of which can hold the marker in quotes.
    const at = line.indexOf(`"Time":"${marker}"`);
    if (!line.startsWith(`{`) || at < 0) return undefined;
    lines.push([line.slice(1, at + 8), line.slice(at + 8 + marker.length)]);
  }
  try {
    return {fd: openLog(ctx, eventsLogPath(ctx.paths.runRoot)), lines};
  } catch (err) {
    ctx.log.debug(`events: cannot open the log: ${(err as Error).message}`);
    return undefined;
  }
}

/** Appends the events in one write. Never throws. */
export function emitEvents(ctx: EngineContext, events: ReadonlyArray<NewEvent>): void {
  if (events.length === 0) return;
  const path = eventsLogPath(ctx.paths.runRoot);
  try {
    if (ctx.eventsBackend === `none`) return;
    const time = rfc3339Nano(nowNanos());
    const text = events.map(e => eventLine(e, time)).join(``);
    const fd = openLog(ctx, path);
    try {
      writeSync(fd, text);
      const st = fstatSync(fd);
      if (st.size > maxSize(ctx)) rotate(ctx, path, st.ino);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    ctx.log.debug(`events: cannot write ${path}: ${(err as Error).message}`);
  }
}

function maxSize(ctx: EngineContext): number {
  try {
    return eventsLogfileMaxSize(ctx.env, ctx.paths) ?? DEFAULT_MAX_SIZE;
  } catch {
    return DEFAULT_MAX_SIZE;
  }
}

/** Renames the log to events.log.1, unless another tspod is doing it or has done it. */
function rotate(ctx: EngineContext, path: string, ino: number): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const {tryFlock, unflock} = require(`../../sys/lock`) as typeof import('../../sys/lock');
  const lockPath = `${path}.lock`;
  const lock = openSync(lockPath, `a`, 0o600);
  try {
    if (!tryFlock(lock, `exclusive`, lockPath)) return;
    try {
      const st = statSync(path);
      if (st.ino === ino && st.size > maxSize(ctx)) renameSync(path, `${path}.1`);
    } finally {
      unflock(lock, lockPath);
    }
  } finally {
    closeSync(lock);
  }
}

/** A container's event: its ID, image (as it was named), name, and labels as Attributes. */
export function containerEvent(c: ContainerRecord, status: string, extra: {exitCode?: number | undefined, name?: string} = {}): NewEvent {
  const m = c.metadata as {imageName?: unknown, labels?: unknown};
  const labels = m.labels && typeof m.labels === `object` ? m.labels as Record<string, string> : {};
  return {
    ...(extra.exitCode ? {ContainerExitCode: extra.exitCode} : {}),
    ID: c.id, Image: typeof m.imageName === `string` ? m.imageName : c.image, Name: extra.name ?? c.names[0] ?? c.id.slice(0, 12),
    Status: status, Type: `container`, Attributes: {...labels},
  };
}

export function emitContainer(ctx: EngineContext, c: ContainerRecord, ...statuses: Array<string>): void {
  emitEvents(ctx, statuses.map(s => containerEvent(c, s)));
}

export function imageEvent(status: string, id: string | undefined, name: string | undefined): NewEvent {
  return {...(id ? {ID: id} : {}), ...(name ? {Name: name} : {}), Status: status, Type: `image`, Attributes: null};
}

export function podEvent(status: string, pod: {id: string, name: string}): NewEvent {
  return {ID: pod.id, Name: pod.name, Status: status, Type: `pod`, Attributes: null};
}

export function volumeEvent(status: string, name: string): NewEvent {
  return {Name: name, Status: status, Type: `volume`, Attributes: null};
}

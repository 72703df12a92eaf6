// An event as podman's file backend writes it: one JSON object a line, keys in podman's
// order (ContainerExitCode, ID, Image, Name, Status, Time, Type, Attributes), Time in RFC 3339
// with nanoseconds. What `tspod events --format json` prints is this object as read.
import {goTime, isoTime} from '../../util/isoTime';

export type EventType = `container` | `image` | `pod` | `volume` | `system`;

export interface TspodEvent {
  /** Only for died with a non-zero code (podman omits a zero). */
  ContainerExitCode?: number;
  ID?: string;
  Image?: string;
  Name?: string;
  Status: string;
  /** RFC 3339 with up to 9 fractional digits, UTC. */
  Time: string;
  Type: EventType;
  /** A container's labels ({} when it has none); null for other types. */
  Attributes: Record<string, string> | null;
}

export type NewEvent = Omit<TspodEvent, `Time`>;

/** Wall clock in nanoseconds: Date.now() gives ms, hrtime orders events within one. */
let clockBase: bigint | undefined;
export function nowNanos(): bigint {
  const hr = process.hrtime.bigint();
  clockBase ??= BigInt(Date.now()) * 1_000_000n - hr;
  return clockBase + hr;
}

/** Go's RFC3339Nano: trailing zeros of the fraction dropped, and the dot with them. */
export function rfc3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const base = isoTime(ms).slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, `0`).replace(/0+$/, ``);
  return `${base}${frac ? `.${frac}` : ``}Z`;
}

/** The nanoseconds of an RFC 3339 time, or undefined when it is not one. */
export function parseEventTime(s: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return undefined;
  const secs = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(secs)) return undefined;
  return BigInt(secs) * 1_000_000n + BigInt((m[2] ?? ``).padEnd(9, `0`) || `0`);
}

/** Go's time.Time String() in UTC: `2024-01-02 03:04:05.123456789 +0000 UTC`. */
export function goTimeString(time: string): string {
  const ns = parseEventTime(time);
  if (ns === undefined) return time;
  return goTime(rfc3339Nano(ns));
}

/** One event as a JSON line, keys in podman's order. */
export function eventLine(e: NewEvent, time: string): string {
  const o: Record<string, unknown> = {};
  if (e.ContainerExitCode) o.ContainerExitCode = e.ContainerExitCode;
  if (e.ID) o.ID = e.ID;
  if (e.Image) o.Image = e.Image;
  if (e.Name) o.Name = e.Name;
  o.Status = e.Status;
  o.Time = time;
  o.Type = e.Type;
  o.Attributes = e.Attributes;
  return `${JSON.stringify(o)}\n`;
}

/** A line read back, or undefined when it is not an event (a torn or corrupt line). */
export function parseEventLine(line: string): TspodEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== `object`) return undefined;
  const e = v as Record<string, unknown>;
  if (typeof e.Status !== `string` || typeof e.Type !== `string` || typeof e.Time !== `string` || parseEventTime(e.Time) === undefined) return undefined;
  return e as unknown as TspodEvent;
}

/**
 * podman's default line: `TIME image STATUS ID NAME` (an empty ID leaves two spaces),
 * `TIME volume STATUS NAME`, `TIME container STATUS ID (image=I, name=N, LABELS)`; tspod sorts
 * the labels (podman prints them in Go's random map order).
 */
export function humanLine(e: TspodEvent, noTrunc = true): string {
  const time = goTimeString(e.Time);
  const id = e.ID && !noTrunc ? e.ID.slice(0, 12) : e.ID ?? ``;
  if (e.Type === `volume` || e.Type === `system`) return `${time} ${e.Type} ${e.Status}${e.Name ? ` ${e.Name}` : ``}`;
  if (e.Type !== `container`) return `${time} ${e.Type} ${e.Status} ${id} ${e.Name ?? ``}`;
  const labels = Object.keys(e.Attributes ?? {}).sort().map(k => `, ${k}=${e.Attributes![k]}`).join(``);
  return `${time} ${e.Type} ${e.Status} ${id} (image=${e.Image ?? ``}, name=${e.Name ?? ``}${labels})`;
}

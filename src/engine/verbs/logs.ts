// `logs`: reads the monitor's k8s-file log (`<time> <stream> <F|P> <text>`, with one
// rotated `.1` file), partial records joined to whole lines; -f follows the file
// while the container runs.
import {openSync, readSync, closeSync, readFileSync, statSync} from 'node:fs';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {listFresh, logPath, mustLookup, nameOf, openContainers, recordedLogDriver, refresh} from '../lifecycle/containers';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';

export interface LogsOptions {
  containers: Array<string>;
  follow?: boolean;
  tail?: number | undefined;
  since?: string | undefined;
  until?: string | undefined;
  timestamps?: boolean;
  /** Receives each line (text with its trailing newline, if it had one). */
  onLine: (stream: `stdout` | `stderr`, text: string, time: string, container: {id: string, name: string}) => void;
}

export interface LogLine {
  time: string;
  stream: `stdout` | `stderr`;
  text: string;
  /** False for the last partial record of a container that printed no newline. */
  complete: boolean;
}

/** Parses k8s-file records; `carry` holds an unfinished partial line across calls. */
export function parseLog(text: string, carry: {pending?: LogLine | undefined} = {}): Array<LogLine> {
  const out: Array<LogLine> = [];
  for (const rec of text.split(`\n`)) {
    if (rec === ``) continue;
    const a = rec.indexOf(` `), b = rec.indexOf(` `, a + 1);
    if (a < 0 || b < 0) continue;
    const time = rec.slice(0, a), stream = rec.slice(a + 1, b) as `stdout` | `stderr`, tag = rec.slice(b + 1, b + 2);
    const body = rec.slice(b + 3);
    const p = carry.pending && carry.pending.stream === stream ? carry.pending : undefined;
    if (carry.pending && !p) {
      out.push(carry.pending);
      carry.pending = undefined;
    }
    if (tag === `P`) {
      carry.pending = p ? {...p, text: p.text + body} : {time, stream, text: body, complete: false};
      continue;
    }
    out.push({time: p ? p.time : time, stream, text: (p ? p.text : ``) + body, complete: true});
    carry.pending = undefined;
  }
  return out;
}

/** Milliseconds in each of Go's duration units (time.ParseDuration). */
const GO_UNITS: Record<string, number> = {ns: 1e-6, us: 1e-3, [`\u00b5s`]: 1e-3, [`\u03bcs`]: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000};

/** A Go duration (`1h30m`, `2.5s`, `500ms`, `-10m`) in milliseconds, or undefined when it is none. */
export function goDurationMs(s: string): number | undefined {
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$/.exec(s);
  if (!m) return s === `0` ? 0 : undefined;
  let ms = 0;
  for (const [, n, unit] of m[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g)) ms += Number(n) * GO_UNITS[unit!]!;
  return m[1] === `-` ? -ms : ms;
}

/**
 * A time as podman reads --since and --until (util.ParseInputTime): RFC 3339 and the
 * date forms Date.parse takes, Unix seconds, or a Go duration, which for --since is that
 * long before now and for --until that long after (`events --until 10s` follows for ten
 * seconds; `logs --until 1h` shows everything logged so far).
 */
export function parseInputTime(s: string, since: boolean, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const d = goDurationMs(s);
  if (d !== undefined) return since ? now - d : now + d;
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new TspodError(`InvalidArgument`, `invalid time "${s}"`, {hint: `use RFC 3339 (2024-01-01T00:00:00Z), Unix seconds or a duration like 10m`});
  return t;
}

/** --since: RFC 3339, Unix seconds, or a duration before now. */
export function parseSince(s: string, now = Date.now()): number {
  return parseInputTime(s, true, now);
}

/** --until: RFC 3339, Unix seconds, or a duration after now. */
export function parseUntil(s: string, now = Date.now()): number {
  return parseInputTime(s, false, now);
}

function readFrom(path: string, offset: number): {text: string, size: number} {
  let fd;
  try {
    fd = openSync(path, `r`);
  } catch {
    return {text: ``, size: 0};
  }
  try {
    const size = statSync(path).size;
    if (size <= offset) return {text: ``, size};
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    // Only whole records: keep an unfinished last record for the next read.
    const s = buf.subarray(0, n).toString(`utf8`);
    const end = s.lastIndexOf(`\n`) + 1;
    return {text: s.slice(0, end), size: offset + Buffer.byteLength(s.slice(0, end))};
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export async function containerLogs(ctx: EngineContext, o: LogsOptions): Promise<void> {
  const cs = openContainers(ctx);
  try {
    if (o.containers.length === 0) throw new TspodError(`InvalidArgument`, `specify at least one container name or ID to log`);
    const since = o.since ? parseSince(o.since) : undefined;
    const until = o.until ? parseUntil(o.until) : undefined;
    const inWindow = (l: LogLine) => {
      const t = Date.parse(l.time);
      return (since === undefined || t >= since) && (until === undefined || t <= until);
    };
    // Each container's log read so far; several are merged by time and followed together, as podman's.
    const followed: Array<{id: string, path: string, offset: number, carry: {pending?: LogLine}, emit: (l: LogLine) => void, done: boolean}> = [];
    const initial: Array<{l: LogLine, emit: (l: LogLine) => void}> = [];
    for (const ref of o.containers) {
      const c = await mustLookup(cs, ref);
      const who = {id: c.id, name: nameOf(c)};
      const emit = (l: LogLine) => o.onLine(l.stream, l.complete ? `${l.text}\n` : l.text, l.time, who);
      const driver = recordedLogDriver(c.metadata);
      if (driver !== `k8s-file`)
        throw new TspodError(`Unsupported`, `this container is using the '${driver}' log driver, cannot read logs: this container is not logging output`, {hint: `create it with --log-driver k8s-file (the default) to keep its output`});
      const path = logPath(cs!, c.id);
      let old = ``;
      try { old = readFileSync(`${path}.1`, `utf8`); } catch {}
      const carry: {pending?: LogLine} = {};
      const first = readFrom(path, 0);
      let lines = [...parseLog(old, carry), ...parseLog(first.text, carry)];
      if (!o.follow && carry.pending) lines.push(carry.pending), carry.pending = undefined;
      lines = lines.filter(inWindow);
      if (o.tail !== undefined && o.tail >= 0) lines = lines.slice(Math.max(0, lines.length - o.tail));
      for (const l of lines) initial.push({l, emit});
      followed.push({id: c.id, path, offset: first.size, carry, emit, done: false});
    }
    // A stable sort: one container's lines keep their order; across containers, time decides.
    if (o.containers.length > 1) initial.sort((a, b) => Date.parse(a.l.time) - Date.parse(b.l.time));
    for (const {l, emit} of initial) emit(l);
    if (!o.follow) return;
    while (followed.some(f => !f.done)) {
      for (const f of followed) {
        if (f.done) continue;
        const cur = await cs!.get(f.id);
        const running = cur ? isRunning((await refresh(ctx, cs!, cur)).metadata as LifeMeta) : false;
        let r = readFrom(f.path, f.offset);
        if (r.size < f.offset) r = readFrom(f.path, f.offset = 0); // rotated
        f.offset = r.size;
        for (const l of parseLog(r.text, f.carry)) if (inWindow(l)) f.emit(l);
        if (!running) {
          if (f.carry.pending) f.emit(f.carry.pending);
          f.done = true;
        }
      }
      if (until !== undefined && Date.now() > until) break;
      if (followed.some(f => !f.done)) await sleep(100);
    }
  } finally {
    cs?.close();
  }
  void listFresh;
}

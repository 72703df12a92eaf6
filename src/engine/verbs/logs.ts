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

/** RFC 3339 timestamp, Unix seconds, or a duration (10m, 1h30m, 45s) before now. */
export function parseSince(s: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const d = /^((\d+)h)?((\d+)m)?((\d+(\.\d+)?)s)?$/.exec(s);
  if (d && s !== ``) return now - ((Number(d[2] ?? 0) * 3600 + Number(d[4] ?? 0) * 60 + Number(d[6] ?? 0)) * 1000);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new TspodError(`InvalidArgument`, `invalid time "${s}"`, {hint: `use RFC 3339 (2024-01-01T00:00:00Z), Unix seconds or a duration like 10m`});
  return t;
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
    const until = o.until ? parseSince(o.until) : undefined;
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

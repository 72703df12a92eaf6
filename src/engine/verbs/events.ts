// `tspod events`: reads the events log (events/emit.ts writes it), the rotated part first,
// filters it, and with `stream` follows it, noticing a rotation, until `until` passes or
// the caller aborts (SIGINT/SIGTERM in the CLI). A line that does not parse (a torn write
// of a killed tspod, a corrupt file) is skipped.
import {closeSync, fstatSync, openSync, readSync, statSync} from 'node:fs';
import type {EngineContext} from '../Engine';
import {eventsLogPath} from '../events/emit';
import {parseEventFilters} from '../events/filter';
import {parseEventTime, parseEventLine} from '../events/record';
import type {TspodEvent} from '../events/record';
import {parseSince, parseUntil} from './logs';

export interface EventsOptions {
  filters?: ReadonlyArray<string>;
  since?: string | undefined;
  until?: string | undefined;
  stream: boolean;
  /** Each event that passes, with the line it was read from. */
  onEvent: (e: TspodEvent, line: string) => void;
  signal?: AbortSignal;
  /** How often a follow looks for more (ms). */
  pollMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>(resolve => {
  const t = setTimeout(done, ms);
  function done() {
    clearTimeout(t);
    signal?.removeEventListener(`abort`, done);
    resolve();
  }
  signal?.addEventListener(`abort`, done, {once: true});
});

/** An open log file read forward, whole lines only. */
class LogReader {
  private offset = 0;
  private carry = Buffer.alloc(0);

  constructor(readonly fd: number, readonly ino: number) {}

  static open(path: string): LogReader | undefined {
    try {
      const fd = openSync(path, `r`);
      return new LogReader(fd, fstatSync(fd).ino);
    } catch {
      return undefined;
    }
  }

  /** The complete lines written since the last call. */
  lines(): Array<string> {
    const size = fstatSync(this.fd).size;
    if (size < this.offset) { this.offset = 0; this.carry = Buffer.alloc(0); } // truncated
    if (size === this.offset) return [];
    const buf = Buffer.alloc(size - this.offset);
    const n = readSync(this.fd, buf, 0, buf.length, this.offset);
    this.offset += n;
    const all = Buffer.concat([this.carry, buf.subarray(0, n)]);
    const end = all.lastIndexOf(0x0a) + 1;
    this.carry = all.subarray(end);
    return end === 0 ? [] : all.subarray(0, end - 1).toString(`utf8`).split(`\n`);
  }

  close(): void {
    try { closeSync(this.fd); } catch {}
  }
}

export async function readEvents(ctx: EngineContext, o: EventsOptions): Promise<void> {
  const filter = parseEventFilters(o.filters ?? []);
  const since = o.since ? BigInt(Math.round(parseSince(o.since))) * 1_000_000n : undefined;
  const until = o.until ? BigInt(Math.round(parseUntil(o.until))) * 1_000_000n : undefined;
  const path = eventsLogPath(ctx.paths.runRoot);
  const deliver = (lines: Array<string>) => {
    for (const line of lines) {
      if (line === ``) continue;
      const e = parseEventLine(line);
      if (!e) {
        ctx.log.debug(`events: skipping a line that is not an event: ${line.slice(0, 80)}`);
        continue;
      }
      const t = parseEventTime(e.Time)!;
      if (since !== undefined && t < since) continue;
      if (until !== undefined && t > until) continue;
      if (filter(e)) o.onEvent(e, line);
    }
  };
  const old = LogReader.open(`${path}.1`);
  if (old) {
    deliver(old.lines());
    old.close();
  }
  let cur = LogReader.open(path);
  try {
    if (cur) deliver(cur.lines());
    if (!o.stream) return;
    const untilMs = until === undefined ? undefined : Number(until / 1_000_000n);
    while (!o.signal?.aborted && (untilMs === undefined || Date.now() <= untilMs)) {
      await sleep(o.pollMs ?? 100, o.signal);
      if (cur) deliver(cur.lines());
      // Renamed to events.log.1 (or removed): what was added before is read above, the new log from its start.
      let ino: number | undefined;
      try { ino = statSync(path).ino; } catch {}
      if (ino !== undefined && ino !== cur?.ino) {
        if (cur) deliver(cur.lines()); // a writer that opened it just before the rename
        cur?.close();
        cur = LogReader.open(path);
        if (cur) deliver(cur.lines());
      }
    }
  } finally {
    cur?.close();
  }
}

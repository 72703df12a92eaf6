// Pull progress, like podman's: on a terminal one line per blob,
// "Copying blob 436a1b1fd078 [====>-----] 1.2MiB / 2.1MiB (3.4MiB/s)", redrawn in place
// on stderr; off a terminal podman's plain lines (plainProgress); with -q nothing. The
// caller prints the ID on stdout.
import type {Writable} from 'node:stream';
import type {PullEvent, PullProgress} from '../image/progress';
import {humanBinary} from './humanize';

interface Line {
  label: string;
  size: number;
  done: number;
  state: `queued` | `exists` | `skipped` | `running` | `done`;
  started: number;
  finished?: number;
}

const BAR = 30;

export class ProgressRenderer {
  private readonly lines = new Map<string, Line>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly notes: Array<string> = [];

  constructor(private readonly out: Writable, private readonly width = 100) {}

  readonly onEvent: PullProgress = (e: PullEvent) => {
    switch (e.kind) {
      case `resolving`:
        this.note(`Trying to pull ${e.reference}...`);
        break;
      case `blob`:
        this.lines.set(e.digest, {
          label: `Copying ${e.role === `config` ? `config` : `blob`} ${e.digest.slice(7, 19)}`,
          size: e.size, done: e.state === `queued` ? 0 : e.size, state: e.state, started: Date.now(),
        });
        break;
      case `bytes`: {
        const l = this.lines.get(e.digest);
        if (l) {
          if (l.state === `queued`) {
            l.state = `running`;
            l.started = Date.now();
          }
          l.done = e.done;
        }
        break;
      }
      case `blobDone`: {
        const l = this.lines.get(e.digest);
        if (l) {
          l.state = `done`;
          l.done = l.size;
          l.finished = Date.now();
        }
        break;
      }
      case `applying`:
        this.note(`Writing ${e.count} layer${e.count === 1 ? `` : `s`} to storage`);
        break;
      case `writing`:
        this.note(`Writing manifest to image destination`);
        break;
      case `done`:
        this.stop();
        return;
    }
    this.schedule();
  };

  private note(s: string): void {
    this.notes.push(s);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, 100);
  }

  private draw(): void {
    let text = ``;
    if (this.drawn > 0) text += `\x1b[${this.drawn}A`;
    const rows: Array<string> = [];
    for (const n of this.notes.splice(0)) text += `\x1b[2K${n}\n`;
    for (const l of this.lines.values()) rows.push(render(l, this.width));
    for (const r of rows) text += `\x1b[2K${r}\n`;
    this.drawn = rows.length;
    this.out.write(text);
  }

  /** Draws the final state once and stops redrawing. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.draw();
  }
}

function render(l: Line, width: number): string {
  if (l.state === `exists`) return `${l.label} skipped: already exists`;
  if (l.state === `skipped`) return `${l.label} skipped: already exists`;
  const frac = l.size > 0 ? Math.min(1, l.done / l.size) : (l.state === `done` ? 1 : 0);
  const full = Math.round(frac * BAR);
  const bar = full >= BAR ? `=`.repeat(BAR) : `${`=`.repeat(Math.max(0, full - 1))}${full > 0 ? `>` : ``}${`-`.repeat(BAR - Math.max(full, 0))}`;
  const secs = Math.max(0.001, ((l.finished ?? Date.now()) - l.started) / 1000);
  const speed = l.state === `queued` ? `` : ` (${humanBinary(l.done / secs)}/s)`;
  const s = `${l.label} [${bar.slice(0, BAR)}] ${humanBinary(l.done)} / ${humanBinary(l.size)}${l.state === `done` ? ` done` : ``}${speed}`;
  return s.length > width ? s.slice(0, width) : s;
}

/**
 * Off a terminal, podman's lines on stderr as c/image reports a copy without bars:
 * "Trying to pull REF...", "Getting image source signatures", "Copying blob sha256:…" for
 * each layer, "Copying config sha256:…", "Writing manifest to image destination", "Storing
 * signatures". A script sees what a long pull is doing; stdout keeps only the ID.
 */
export function plainProgress(out: {write(text: string): unknown}): PullProgress {
  let config: string | undefined;
  let copying = false;
  return (e: PullEvent) => {
    switch (e.kind) {
      case `resolving`:
        out.write(`Trying to pull ${e.reference}...\n`);
        copying = false;
        break;
      case `blob`:
        if (!copying) out.write(`Getting image source signatures\n`);
        copying = true;
        // podman names the config after the layers.
        if (e.role === `config`) config = e.digest;
        else out.write(`Copying blob ${e.digest}\n`);
        break;
      case `writing`:
        out.write(`${config ? `Copying config ${config}\n` : ``}Writing manifest to image destination\nStoring signatures\n`);
        config = undefined;
        break;
    }
  };
}

/** The progress a pull shows on this stderr: bars on a terminal, plain lines off one, nothing with -q. */
export function pullProgress(o: {quiet: boolean, isTTY: boolean, stderr: Writable}): {onEvent: PullProgress | undefined, stop: () => void} {
  if (o.quiet) return {onEvent: undefined, stop: () => {}};
  if (!o.isTTY) return {onEvent: plainProgress(o.stderr), stop: () => {}};
  const bars = new ProgressRenderer(o.stderr);
  return {onEvent: bars.onEvent, stop: () => bars.stop()};
}

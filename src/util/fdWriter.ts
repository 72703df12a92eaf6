// Commands' stdout and stderr without process.stdout: creating that stream costs 5 to 8 ms
// of every command's startup (node:stream for a file, node:net for a pipe, node:tty and
// node:net for a terminal), for writes Node makes synchronously on Linux anyway (to files
// and terminals always, to a pipe while it has room). Here a write is fs.writeSync on the
// fd until every byte is out: nothing is lost at exit, and stdout and stderr interleave
// in the order they were written.
import {fstatSync, readFileSync, writeSync} from 'node:fs';

export type WriteCallback = (err?: Error | null) => void;

export class FdWriter {
  private tty: boolean | undefined;

  /** `nodeStream` gives Node's stream on the same fd (process.stdout), made on first use. */
  constructor(readonly fd: number, private readonly nodeStream: () => NodeJS.WriteStream) {}

  /** Writes the whole chunk before returning (so never asks for a 'drain'). */
  write(chunk: string | Uint8Array, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    if (typeof encoding === `function`) [cb, encoding] = [encoding, undefined];
    writeAll(this.fd, typeof chunk === `string` ? Buffer.from(chunk, encoding ?? `utf8`) : chunk);
    if (cb) process.nextTick(cb, null);
    return true;
  }

  /** isatty(fd), asked once. */
  get isTTY(): boolean {
    return this.tty ??= isTerminal(this.fd);
  }

  /** For what needs a real stream (pipeline() of an archive, readline's output). */
  get stream(): NodeJS.WriteStream {
    const s = this.nodeStream();
    // `tspod save | head -c 1`: the same quiet end as a write here, not a stack trace
    // from whichever stream the error is passed on to. Listening first, it ends the process
    // before the pipeline learns of it.
    if (!this.watched) {
      this.watched = true;
      s.on(`error`, err => { if ((err as NodeJS.ErrnoException).code === `EPIPE`) brokenPipe(); });
    }
    return s;
  }

  private watched = false;
}

let pause: Int32Array | undefined;

function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length;) {
    try {
      off += writeSync(fd, data, off, data.length - off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // O_NONBLOCK belongs to the open file, shared with whoever else holds it (a parent's
      // pipe, or Node's own stream on it once created): a full pipe is waited out.
      if (code === `EAGAIN`) Atomics.wait(pause ??= new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      else if (code === `EPIPE`) brokenPipe();
      else throw err;
    }
  }
}

/**
 * The reader went away (`tspod logs -f | head -1`): end as podman and other Unix tools
 * do, killed by SIGPIPE without a word (Node's process.stdout would crash with a stack
 * trace). Node ignores SIGPIPE; adding and removing a listener restores the default action.
 */
function brokenPipe(): never {
  const ignore = () => undefined;
  process.on(`SIGPIPE`, ignore).off(`SIGPIPE`, ignore);
  process.kill(process.pid, `SIGPIPE`);
  process.exit(128 + 13);
}

/**
 * isatty(fd) without node:tty (which loads node:net): a character device with a terminal's
 * major number in the kernel's devices.txt (4 consoles and serial ports, 5 /dev/tty and
 * ptmx, 136 to 143 pseudo-terminals); for another major but 1 (/dev/null and its kind),
 * one of a tty driver the kernel lists in /proc/tty/drivers (USB serial ports and the like).
 */
export function isTerminal(fd: number): boolean {
  let rdev: number;
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice()) return false;
    rdev = st.rdev;
  } catch {
    return false;
  }
  // glibc's major() and minor() of the kernel's dev_t encoding (12-bit major, 20-bit minor).
  const major = (rdev >>> 8) & 0xfff, minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  if (major === 4 || major === 5 || (major >= 136 && major <= 143)) return true;
  if (major === 1) return false;
  return ttyDrivers().some(d => d.major === major && minor >= d.first && minor <= d.last);
}

/** /proc/tty/drivers: `name  /dev/node  major  minor[-minor]  type` a line. */
function ttyDrivers(): Array<{major: number, first: number, last: number}> {
  let text: string;
  try {
    text = readFileSync(`/proc/tty/drivers`, `latin1`);
  } catch {
    return [];
  }
  const out: Array<{major: number, first: number, last: number}> = [];
  for (const line of text.split(`\n`)) {
    const m = /^\S+\s+\S+\s+(\d+)\s+(\d+)(?:-(\d+))?\s/.exec(line);
    if (m) out.push({major: Number(m[1]), first: Number(m[2]), last: Number(m[3] ?? m[2])});
  }
  return out;
}

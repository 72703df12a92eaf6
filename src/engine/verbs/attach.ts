// `attach` and `start -a`: a client of the monitor's attach socket. Frames both ways
// are {type u8, length u32be, data} (helpers/README.md, "monitor"): 1 stdout,
// 2 stderr, 3 exit code from the monitor; 0 stdin, 4 close stdin, 5 resize to it.
// The detach keys (default ctrl-p,ctrl-q) end the session, leaving the container running.
import {emitContainer} from '../events/emit';
import type {ContainerRecord} from '../../storage/ContainerStore';
import {closeSync, openSync} from 'node:fs';
import {connect} from 'node:net';
import {basename, dirname} from 'node:path';
import type {Socket} from 'node:net';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {mustLookup, nameOf, openContainers, refresh, runFiles} from '../lifecycle/containers';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';

export interface AttachIO {
  stdin?: NodeJS.ReadableStream | undefined;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  detachKeys?: string | undefined;
}

export interface AttachResult {
  /** Undefined when the user detached. */
  exitCode: number | undefined;
}

/** `ctrl-p,ctrl-q` → bytes [16, 17]. Empty string disables detaching. */
export function parseDetachKeys(s: string | undefined): Array<number> {
  if (s === undefined) return [16, 17];
  if (s === ``) return [];
  return s.split(`,`).map(k => {
    const m = /^ctrl-([a-z@\[\\\]^_])$/.exec(k);
    if (m) return m[1] === `@` ? 0 : m[1]!.charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw new TspodError(`InvalidArgument`, `invalid detach keys "${s}"`, {hint: `use a comma separated list like ctrl-p,ctrl-q`});
  });
}

function frame(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h[0] = type;
  h.writeUInt32BE(data.length, 1);
  return Buffer.concat([h, data]);
}

export async function connectSocket(path: string, timeoutMs = 5000): Promise<Socket> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    // sun_path holds 108 bytes: a longer path goes through an fd of its directory.
    const dfd = path.length > 100 ? openSync(dirname(path), `r`) : undefined;
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect(dfd === undefined ? path : `/proc/self/fd/${dfd}/${basename(path)}`);
        s.once(`connect`, () => resolve(s));
        s.once(`error`, reject);
      });
    } catch (err) {
      if (Date.now() > end) throw new TspodError(`Internal`, `cannot connect to the container monitor at ${path}: ${(err as NodeJS.ErrnoException).code}`);
      await new Promise(r => setTimeout(r, 10));
    } finally {
      if (dfd !== undefined) closeSync(dfd);
    }
  }
}

/** Runs an attach session over a connected socket until exit or detach. */
export function attachSession(sock: Socket, io: AttachIO): Promise<AttachResult> {
  const keys = parseDetachKeys(io.detachKeys);
  return new Promise(resolve => {
    let buf = Buffer.alloc(0);
    let matched = 0;
    let done = false;
    const finish = (r: AttachResult) => {
      if (done) return;
      done = true;
      io.stdin?.removeListener(`data`, onIn);
      io.stdin?.removeListener(`end`, onEnd);
      (io.stdin as {pause?: () => void} | undefined)?.pause?.();
      sock.destroy();
      resolve(r);
    };
    const onIn = (d: Buffer | string) => {
      const b = Buffer.isBuffer(d) ? d : Buffer.from(d);
      const out: Array<number> = [];
      for (const byte of b) {
        if (keys.length && byte === keys[matched]) {
          matched++;
          if (matched === keys.length) {
            if (out.length) sock.write(frame(0, Buffer.from(out)));
            return finish({exitCode: undefined});
          }
          continue;
        }
        if (matched) out.push(...keys.slice(0, matched));
        matched = 0;
        out.push(byte);
      }
      if (out.length) sock.write(frame(0, Buffer.from(out)));
    };
    const onEnd = () => { if (!done) sock.write(frame(4, Buffer.alloc(0))); };
    if (io.stdin) {
      io.stdin.on(`data`, onIn);
      io.stdin.on(`end`, onEnd);
    }
    sock.on(`data`, d => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 5) {
        const len = buf.readUInt32BE(1);
        if (buf.length < 5 + len) break;
        const type = buf[0], data = buf.subarray(5, 5 + len);
        buf = buf.subarray(5 + len);
        if (type === 1) io.stdout.write(data);
        else if (type === 2) io.stderr.write(data);
        else if (type === 3) return finish({exitCode: data.readInt32BE(0)});
      }
    });
    sock.on(`close`, () => finish({exitCode: -1}));
    sock.on(`error`, () => finish({exitCode: -1}));
  });
}

export async function attachContainer(ctx: EngineContext, o: {container: string, noStdin?: boolean} & AttachIO): Promise<AttachResult> {
  const cs = openContainers(ctx);
  let id: string;
  let record: ContainerRecord;
  try {
    const c = await refresh(ctx, cs!, await mustLookup(cs, o.container));
    if (!isRunning(c.metadata as LifeMeta))
      throw new TspodError(`CtrStateInvalid`, `you can only attach to running containers: container ${nameOf(c)} is ${(c.metadata as LifeMeta).state === `stopped` ? `exited` : (c.metadata as LifeMeta).state}: container state improper`);
    id = c.id;
    record = c;
  } finally {
    cs?.close();
  }
  const sock = await connectSocket(runFiles(ctx.paths.runRoot, id).socket);
  emitContainer(ctx, record, `attach`);
  const r = await attachSession(sock, {...o, stdin: o.noStdin ? undefined : o.stdin});
  if (r.exitCode === -1) {
    // The monitor closed without an exit frame: take the recorded exit code.
    const {waitContainers} = await import(`./wait`);
    const [w] = await waitContainers(ctx, {containers: [id], ignore: true});
    return {exitCode: w?.exitCode ?? 0};
  }
  return r;
}

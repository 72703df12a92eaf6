// The keeper's hooks (network backends, port forwarders, cgroup; `@PID@` = the
// container's pid) for an OCI runtime, started from Node the way helpers/hooks.c starts
// them for tspod-helper run: one after another, stdin /dev/null, stdout and stderr
// inherited, fd 3 a pipe on which the hook writes a byte once it is ready (pasta reopens
// it as `/proc/self/fd/3`, so it is a real fifo, not a socket). They run outside the
// container's user namespace, as the caller, and are killed when the container ends.
import {childProcess} from '../util/lazyBuiltins';
import type {ChildProcess} from 'node:child_process';
import {closeSync, constants, openSync, rmSync} from 'node:fs';
import {open} from '../util/fsp';
import {basename, join} from 'node:path';
import {TspodError} from '../engine/errors';
import {mkfifo} from '../sys/fs';

// As the helper's own keeper (helpers/hooks.c): the cgroup hook alone may wait up to
// 60 s for systemd on a loaded machine, and a shorter deadline fails good starts.
export const HOOK_READY_TIMEOUT_MS = 120_000;

export interface RunningHooks {
  /** SIGKILL to every hook still running, as PR_SET_PDEATHSIG does for the helper's (idempotent). */
  stop(): void;
}

function exitOf(child: ChildProcess): Promise<{code: number | null, signal: NodeJS.Signals | null}> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({code: child.exitCode, signal: child.signalCode});
  return new Promise(resolve => child.once(`exit`, (code, signal) => resolve({code, signal})));
}

async function startOne(argv: Array<string>, fifo: string, timeoutMs: number, prefix: ReadonlyArray<string>): Promise<ChildProcess> {
  mkfifo(fifo, 0o600);
  let writeFd: number | undefined;
  const readEnd = await (async () => {
    try {
      writeFd = openSync(fifo, constants.O_RDWR); // never blocks; the child gets it as fd 3
      return await open(fifo, constants.O_RDONLY); // a writer exists: returns at once
    } finally {
      rmSync(fifo, {force: true});
    }
  })();
  let child: ChildProcess;
  try {
    const full = [...prefix, ...argv];
    child = childProcess().spawn(full[0]!, full.slice(1), {stdio: [`ignore`, `inherit`, `inherit`, writeFd!]});
  } finally {
    closeSync(writeFd!);
  }
  const spawnError = new Promise<Error>(resolve => child.once(`error`, resolve));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<`timeout`>(resolve => { timer = setTimeout(() => resolve(`timeout`), timeoutMs); });
  try {
    // One read: a byte (ready), or EOF when the hook exits before writing.
    const r = await Promise.race([readEnd.read(Buffer.alloc(1), 0, 1, null).then(x => x.bytesRead), spawnError, timedOut]);
    if (r === 1) {
      child.unref();
      return child;
    }
    const name = basename(argv[0]!);
    if (r instanceof Error)
      throw new TspodError(`Host`, `start network backend \`${argv[0]}\`: ${(r as NodeJS.ErrnoException).code ?? r.message}`, {hint: `install it, or choose another --network`});
    if (r === `timeout`) {
      child.kill(`SIGKILL`);
      throw new TspodError(`Internal`, `network backend \`${name}\` was not ready after ${Math.round(timeoutMs / 1000)} s`);
    }
    const {code, signal} = await exitOf(child);
    throw new TspodError(`Internal`, signal ? `network backend \`${name}\` was killed before it was ready` : `network backend \`${name}\` exited with status ${code} before it was ready`);
  } finally {
    clearTimeout(timer);
    void readEnd.close().catch(() => undefined);
  }
}

/**
 * Starts each hook for container pid `pid`, in order; on a failure the ones started are
 * stopped. `setpriv` (util-linux), when given, sets PR_SET_PDEATHSIG: a hook never
 * outlives this process, as the helper's never outlive it.
 */
export async function startKeeperHooks(hooks: ReadonlyArray<ReadonlyArray<string>>, pid: number, dir: string, opts: {setpriv?: string | undefined, timeoutMs?: number} = {}): Promise<RunningHooks> {
  const prefix = opts.setpriv ? [opts.setpriv, `--pdeathsig`, `SIGKILL`, `--`] : [];
  const timeoutMs = opts.timeoutMs ?? HOOK_READY_TIMEOUT_MS;
  const started: Array<ChildProcess> = [];
  const stop = () => {
    for (const c of started)
      if (c.exitCode === null && c.signalCode === null) {
        try { c.kill(`SIGKILL`); } catch {}
      }
  };
  try {
    for (const [i, hook] of hooks.entries()) {
      const argv = hook.map(a => a.replaceAll(`@PID@`, String(pid)));
      if (argv.length === 0) throw new Error(`Assertion failed: an empty keeper hook`);
      started.push(await startOne(argv, join(dir, `hook-${i}.fifo`), timeoutMs, prefix));
    }
  } catch (err) {
    stop();
    throw err;
  }
  return {stop};
}

// Spawn tspod-helper `run` (sys/spawn.ts) with a plan on fd 3 and its status on fd 4; map a setup
// failure reported on the status fd to a TspodError. The container's own exit code
// (0..255, 128+signal when killed) is returned, never thrown.
//
// Signals: a foreground container shares the terminal's process group with Node, so
// Ctrl-C reaches both the helper (which forwards it to the container) and Node. The
// caller must not die of it: pass `foreground: true` (ignore SIGINT/SIGQUIT, forward
// SIGTERM/SIGHUP/SIGUSR1/SIGUSR2 to the helper) for the duration of the run.
import {forwardSignals, killQuietly, RELAYED_SIGNALS} from '../util/forwardSignals';
import {closeSync, read, readSync} from 'node:fs';
import {writeAll} from '../sys/fs';
import {makePipe, spawnProgram} from '../sys/spawn';
import type {SpawnedProgram} from '../sys/spawn';
import {TspodError} from '../engine/errors';
import {cannotInvoke, commandNotFound, kernelRefused} from './helperErrors';
import type {Plan} from './plan';
import {encodePlan} from './plan';

/** `pipe`: collected into RunResult (tests). */
type StdioElement = `inherit` | `ignore` | `pipe`;

export interface HelperStatus {
  error: string;
  errno?: string;
  stage?: string;
}

export interface RunOptions {
  /** stdin, stdout, stderr of the container (default: inherit). */
  stdio?: [StdioElement, StdioElement, StdioElement];
  foreground?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Called with the helper's pid once spawned (to signal it). */
  onSpawn?: (pid: number) => void;
  /** --preserve-fds: this process's fds 3 to 3 + n - 1 become the container's. */
  preserveFds?: number;
}

export interface RunResult {
  exitCode: number;
  /** stdout/stderr when stdio asked for `pipe`. */
  stdout?: string;
  stderr?: string;
}

const STATUS_FD = 4;

export function statusToError(status: HelperStatus, exitCode: number): TspodError {
  const msg = status.error;
  // The helper says `exec \`cmd\`: ENOENT`; say it as podman does, in words.
  const cmd = /^exec `(.*)`: [A-Z]+$/.exec(msg)?.[1];
  if (status.stage === `exec` && exitCode === 127)
    return cmd === undefined ? new TspodError(`CommandNotFound`, msg) : commandNotFound(cmd);
  if (status.stage === `exec` && exitCode === 126)
    return cmd === undefined ? new TspodError(`CannotInvoke`, msg) : cannotInvoke(cmd, status.errno);
  // A -w that does not exist (the image's own working directory is created at create).
  const dir = /^chdir `(.*)`: ENOENT$/.exec(msg)?.[1];
  if (status.stage === `cwd` && dir !== undefined)
    return new TspodError(`CannotInvoke`, `workdir "${dir}" does not exist in the container`, {hint: `create it in the image, mount a volume there, or give an existing directory with -w`});
  if (status.stage === `idmap`)
    return new TspodError(`Host`, msg, {hint: /uidmap/.test(msg) ? `install the \`uidmap\` package` : `add a range for your user to /etc/subuid and /etc/subgid (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $USER)`});
  // The FUSE root (`rootfs-fuse`): fuse-overlayfs missing, or failing to mount, is the host's to fix.
  if (status.stage === `mount` && /^find `[^`]*fuse-overlayfs`|^`[^`]*fuse-overlayfs` (exited|was killed)/.test(msg))
    return new TspodError(`Host`, msg, {hint: `install fuse-overlayfs and make /dev/fuse usable by you (tspod info checks), or use --storage-driver overlay or vfs`});
  if (status.errno === `EPERM` || status.errno === `ENOSYS` || status.errno === `EINVAL` && status.stage === `clone`)
    return kernelRefused(msg);
  return new TspodError(`Internal`, msg);
}

export function parseStatus(text: string): HelperStatus | undefined {
  const line = text.split(`\n`).find(l => l.trim().startsWith(`{`));
  if (!line) return undefined;
  try {
    const v = JSON.parse(line);
    return typeof v?.error === `string` ? v : undefined;
  } catch {
    return {error: line.trim()};
  }
}

const REST_FD = 5;

/** A helper spawned with a plan's head only: it maps the ids while the caller prepares the rest. */
export interface StartedHelper {
  pid: number;
  /** Sends the rest of the plan (the helper then runs the container) and waits for the exit code. */
  finish(rest: Plan): Promise<RunResult>;
  /** The container will not run: the helper ends without a word (the caller reports why). */
  abandon(): Promise<void>;
}

export function startHelper(helperPath: string, head: Plan, opts: RunOptions = {}): StartedHelper {
  const rest = makePipe();
  let h;
  try {
    h = spawnHelper(helperPath, [...head, {kind: `plan-rest`, fd: REST_FD}], opts, rest.read);
  } catch (err) {
    closeSync(rest.write);
    throw err;
  } finally {
    closeSync(rest.read);
  }
  let sent = false;
  const send = (bytes: Buffer | undefined) => {
    if (sent) return;
    sent = true;
    if (bytes) writeQuietly(rest.write, bytes);
    closeSync(rest.write);
  };
  return {
    pid: h.pid,
    finish: plan => {
      send(encodePlan(plan));
      return h.result;
    },
    abandon: async () => {
      send(undefined);
      await h.result.catch(() => undefined);
    },
  };
}

export async function runContainer(helperPath: string, plan: Plan, opts: RunOptions = {}): Promise<RunResult> {
  const h = spawnHelper(helperPath, plan, opts);
  opts.onSpawn?.(h.pid);
  return h.result;
}

/** A pipe's reader gone (the helper failed early) is not our error: its status says why. */
function writeQuietly(fd: number, bytes: Buffer): void {
  try {
    writeAll(fd, bytes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== `EPIPE`) throw err;
  }
}

/** Everything until EOF, read off the event loop's thread (a `pipe` stdio in tests). */
function collect(fd: number): Promise<string> {
  const chunks: Array<Buffer> = [];
  return new Promise(resolve => {
    const next = () => read(fd, Buffer.alloc(65536), 0, 65536, null, (err, n, buf) => {
      if (err || n === 0) {
        closeSync(fd);
        resolve(Buffer.concat(chunks).toString());
        return;
      }
      chunks.push(buf.subarray(0, n));
      next();
    });
    next();
  });
}

/** What is in a non-blocking pipe now: the helper has exited, its status is written. */
function drain(fd: number): string {
  const chunks: Array<Buffer> = [];
  const buf = Buffer.alloc(4096);
  try {
    for (let n; (n = readSync(fd, buf)) > 0;) chunks.push(Buffer.from(buf.subarray(0, n)));
  } catch {} // EAGAIN: a process the helper forked still holds the pipe; what was written is read
  closeSync(fd);
  return Buffer.concat(chunks).toString();
}

function spawnHelper(helperPath: string, plan: Plan, opts: RunOptions, restFd?: number): {pid: number, result: Promise<RunResult>} {
  const withStatus: Plan = plan.some(d => d.kind === `status-fd`) ? plan : [{kind: `status-fd`, fd: STATUS_FD}, ...plan];
  // Passed fds follow the helper's own (stdio, plan, status, rest): C moves them to 3 and up.
  const base = restFd === undefined ? 5 : 6;
  const n = opts.preserveFds ?? 0;
  const full: Plan = n > 0 ? [...withStatus, {kind: `preserve-fds`, base, count: n}] : withStatus;
  const planPipe = makePipe();
  const statusPipe = makePipe({nonBlocking: true});
  const outputs: Array<Promise<string> | undefined> = [];
  const childEnds: Array<number> = [planPipe.read, statusPipe.write];
  const stdio = (opts.stdio ?? [`inherit`, `inherit`, `inherit`]).map((s, i) => {
    if (s !== `pipe`) return s;
    const p = makePipe();
    outputs[i] = collect(p.read);
    childEnds.push(p.write);
    return p.write;
  });
  let child;
  try {
    child = spawnProgram(helperPath, [helperPath, `run`, `-`], [...stdio, planPipe.read, statusPipe.write, ...(restFd === undefined ? [] : [restFd]), ...Array.from({length: n}, (_, i) => 3 + i)], opts.env ?? process.env);
  } catch (err) {
    for (const fd of [planPipe.write, statusPipe.read]) closeSync(fd);
    throw new TspodError(`Host`, `spawn \`${helperPath}\`: ${(err as NodeJS.ErrnoException).code}`, {hint: `build the helper: make -C helpers`});
  } finally {
    for (const fd of childEnds) closeSync(fd);
  }
  writeQuietly(planPipe.write, encodePlan(full));
  closeSync(planPipe.write);
  return {pid: child.pid, result: waitHelper(child, statusPipe.read, outputs, opts)};
}

async function waitHelper(child: SpawnedProgram, statusFd: number, outputs: Array<Promise<string> | undefined>, opts: RunOptions): Promise<RunResult> {
  // In the foreground the terminal's SIGINT/SIGQUIT reach the helper directly: only kept from killing us.
  const stopForwarding = opts.foreground
    ? forwardSignals(RELAYED_SIGNALS, sig => { if (sig !== `SIGINT` && sig !== `SIGQUIT`) killQuietly(child.pid, sig); })
    : () => {};
  try {
    const exit = await child.exited;
    const [, out, errText] = await Promise.all(outputs);
    const exitCode = exit.code ?? 128 + (exit.signal ?? 0);
    const st = parseStatus(drain(statusFd));
    if (st) throw statusToError(st, exitCode);
    return {exitCode, ...(out !== undefined ? {stdout: out} : {}), ...(errText !== undefined ? {stderr: errText} : {})};
  } finally {
    stopForwarding();
  }
}

// Spawn tspod-helper `run` with a plan on fd 3 and its status on fd 4; map a setup
// failure reported on the status fd to a TspodError. The container's own exit code
// (0..255, 128+signal when killed) is returned, never thrown.
//
// Signals: a foreground container shares the terminal's process group with Node, so
// Ctrl-C reaches both the helper (which forwards it to the container) and Node. The
// caller must not die of it: pass `foreground: true` (ignore SIGINT/SIGQUIT, forward
// SIGTERM/SIGHUP/SIGUSR1/SIGUSR2 to the helper) for the duration of the run.
import {forwardSignals, killQuietly, RELAYED_SIGNALS} from '../util/forwardSignals';
import {spawn} from 'node:child_process';
import {constants as osConstants} from 'node:os';
import type {IOType} from 'node:child_process';
import type {Stream} from 'node:stream';

type StdioElement = IOType | `ipc` | Stream | number | null | undefined;
import {TspodError} from '../engine/errors';
import type {Plan} from './plan';
import {encodePlan} from './plan';

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
    return new TspodError(`CommandNotFound`, cmd === undefined ? msg : `executable file \`${cmd}\` not found${cmd.includes(`/`) ? `` : ` in $PATH`}: no such file or directory`, {hint: `check the command and the image's PATH`});
  if (status.stage === `exec` && exitCode === 126)
    return new TspodError(`CannotInvoke`, cmd === undefined ? msg : `\`${cmd}\` cannot be executed: ${status.errno === `EACCES` ? `permission denied (a directory, or a file without the x bit)` : (status.errno ?? `error`).toLowerCase()}`, {hint: `check that the command is an executable file`});
  if (status.stage === `idmap`)
    return new TspodError(`Host`, msg, {hint: /uidmap/.test(msg) ? `install the \`uidmap\` package` : `add a range for your user to /etc/subuid and /etc/subgid (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 $USER)`});
  if (status.errno === `EPERM` || status.errno === `ENOSYS` || status.errno === `EINVAL` && status.stage === `clone`)
    return new TspodError(`Host`, msg, {hint: `the kernel refused an unprivileged container operation; check user namespaces (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces)`});
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

export async function runContainer(helperPath: string, plan: Plan, opts: RunOptions = {}): Promise<RunResult> {
  const full: Plan = plan.some(d => d.kind === `status-fd`) ? plan : [{kind: `status-fd`, fd: STATUS_FD}, ...plan];
  const stdio = opts.stdio ?? [`inherit`, `inherit`, `inherit`];
  let child;
  try {
    child = spawn(helperPath, [`run`, `-`], {stdio: [...stdio, `pipe`, `pipe`] as any, env: opts.env ?? process.env});
  } catch (err) {
    throw new TspodError(`Host`, `spawn \`${helperPath}\`: ${(err as NodeJS.ErrnoException).code}`, {hint: `build the helper: make -C helpers`});
  }
  // In the foreground the terminal's SIGINT/SIGQUIT reach the helper directly: only kept from killing us.
  const stopForwarding = opts.foreground
    ? forwardSignals(RELAYED_SIGNALS, sig => { if (sig !== `SIGINT` && sig !== `SIGQUIT`) killQuietly(child.pid, sig); })
    : () => {};
  try {
    const planPipe = child.stdio[3] as NodeJS.WritableStream;
    const statusPipe = child.stdio[4] as NodeJS.ReadableStream;
    let status = ``, out = ``, errText = ``;
    statusPipe.on(`data`, c => status += c);
    child.stdout?.on(`data`, c => out += c);
    child.stderr?.on(`data`, c => errText += c);
    (planPipe as any).on(`error`, () => {});
    planPipe.end(encodePlan(full));
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on(`error`, err => reject(new TspodError(`Host`, `spawn \`${helperPath}\`: ${(err as NodeJS.ErrnoException).code}`, {hint: `build the helper: make -C helpers`})));
      child.on(`close`, (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)));
    });
    const st = parseStatus(status);
    if (st) throw statusToError(st, exitCode);
    return {exitCode, ...(child.stdout ? {stdout: out} : {}), ...(child.stderr ? {stderr: errText} : {})};
  } finally {
    stopForwarding();
  }
}

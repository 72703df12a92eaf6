// Running a container with an OCI runtime (runc; crun where the host allows it) instead
// of tspod-helper. The runtime runs as root in the user namespace `tspod-helper userns`
// makes with the spec's id maps (as podman runs it in its rootless namespace), on a
// bundle whose config.json is runtime/ociSpec.ts's rewrite of the saved spec:
//
//   tspod ─ tspod-helper userns ─ runc run --bundle B ID ─ container
//     │        (maps, signals)       (signals, exit code, tty relay)
//     └─ keeper hooks (pasta, …), started when runc's createRuntime hook hands over the pid
//
// `runc run` stays the container's parent: it forwards signals, relays a terminal and
// exits with the container's status (128+N when killed). Its own errors go to a JSON log
// (--log); the one line it also prints on stderr is dropped from the relayed stderr and
// the log's message becomes the TspodError (127/126 for a missing or unrunnable command).
import {childProcess} from '../util/lazyBuiltins';
import type {IOType} from 'node:child_process';
import {closeSync, constants, mkdirSync, openSync, readFileSync, rmSync, rmdirSync, writeSync} from 'node:fs';
import {open} from '../util/fsp';
import {dirname, join} from 'node:path';
import type {Readable} from 'node:stream';
import {constants as osConstants} from 'node:os';
import {TspodError} from '../engine/errors';
import type {LinuxIDMapping, Process, RuntimeSpec} from '../oci/runtimeSpec';
import {mkfifo} from '../sys/fs';
import {writeFileAtomicSync} from '../util/atomicWrite';
import {CAPABILITIES, capabilityMask} from './capabilities';
import {parseStatus, statusToError} from './helper';
import {keeperHooks, ociSpec} from './ociSpec';
import {startKeeperHooks} from './keeperHooks';
import type {RunningHooks} from './keeperHooks';
import {findExecutable} from './ociRuntime';
import {copyUpPlan, ociCopyUp} from './ociCopyUp';
import type {OciRuntimeName} from './ociRuntime';

export {runtimeAvailability} from './ociRuntime';
export type {OciRuntimeName} from './ociRuntime';

export interface OciRuntimeRef {
  name: OciRuntimeName;
  path: string;
}

interface CommonOptions {
  runtime: OciRuntimeRef;
  /** tspod-helper (its `userns` and `exec` modes put the runtime in the container's user namespace). */
  helperPath: string;
  id: string;
  /** The runtime's state directory (--root). */
  stateRoot: string;
  /** PATH for the runtime and the hooks. */
  path: string | undefined;
  stdin: IOType | `inherit`;
  stdout: IOType | `inherit`;
  /** Receives the runtime's stderr (the container's, without a terminal) minus the runtime's own error line. */
  stderr: NodeJS.WritableStream;
  /** The pid of the process to signal (the helper, which forwards to the runtime, which forwards to the container). */
  onSpawn?: (pid: number) => void;
}

export interface OciRunOptions extends CommonOptions {
  /** Per-start directory: config.json, the pid hand-over fifos, the runtime's log. Replaced, then removed. */
  bundleDir: string;
  pidFile?: string | undefined;
  rootfsMount?: {type: string, source: string, options?: Array<string>} | undefined;
  /** The container's host pid, once it exists; awaited (with the keeper hooks) before the container starts. */
  onPid?: (pid: number) => Promise<void>;
}

export interface OciExecOptions extends CommonOptions {
  /** A directory for the process.json and the runtime's log of this exec (removed after). */
  workDir: string;
  /** The container's host pid: its user namespace is the runtime's. */
  containerPid: number;
  process: Process;
  detach?: boolean;
}

/** Newuidmap triples of the spec for `tspod-helper userns`; none for a single id (the helper writes that map itself). */
export function idMapEnv(spec: RuntimeSpec): Record<string, string> {
  const u = spec.linux?.uidMappings ?? [], g = spec.linux?.gidMappings ?? [];
  const single = (m: Array<LinuxIDMapping>) => m.length === 1 && m[0]!.size === 1 && m[0]!.containerID === 0;
  if (u.length === 0 || g.length === 0 || (single(u) && single(g))) return {};
  const fmt = (m: Array<LinuxIDMapping>) => m.map(x => `${x.containerID} ${x.hostID} ${x.size}`).join(` `);
  return {TSPOD_UIDMAP: fmt(u), TSPOD_GIDMAP: fmt(g)};
}

/** Write BUNDLE/config.json atomically. */
export function writeBundle(bundleDir: string, spec: RuntimeSpec): void {
  mkdirSync(bundleDir, {recursive: true, mode: 0o700});
  writeFileAtomicSync(join(bundleDir, `config.json`), JSON.stringify(spec, null, 2));
}

/** The runtime's own fatal line on stderr (runc prints it besides the --log entry). */
function fatalPrefixes(name: OciRuntimeName): Array<Buffer> {
  return name === `runc` ? [`runc run failed: `, `exec failed: `].map(s => Buffer.from(s)) : [Buffer.from(`crun: `)];
}

/** Copies `src` to `dst` line by line, dropping the runtime's fatal lines; a partial line is held only while it could become one. */
function relayStderr(src: Readable, dst: NodeJS.WritableStream, name: OciRuntimeName): Promise<void> {
  const prefixes = fatalPrefixes(name);
  const isFatal = (b: Buffer) => prefixes.some(p => b.length >= p.length && b.subarray(0, p.length).equals(p));
  const mayBecomeFatal = (b: Buffer) => prefixes.some(p => b.length < p.length && p.subarray(0, b.length).equals(b));
  let pending = Buffer.alloc(0);
  // A reader that went away (`tspod run … 2>&1 | head -1`) ends the relay, not tspod.
  let broken = false;
  (dst as NodeJS.WritableStream & {once?: (e: string, f: () => void) => void}).once?.(`error`, () => { broken = true; });
  const write = (b: Buffer) => {
    if (!broken) dst.write(b);
  };
  src.on(`data`, (chunk: Buffer) => {
    let buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let nl;
    while ((nl = buf.indexOf(10)) >= 0) {
      const line = buf.subarray(0, nl + 1);
      if (!isFatal(line)) write(line);
      buf = buf.subarray(nl + 1);
    }
    if (buf.length > 0 && !isFatal(buf) && !mayBecomeFatal(buf)) {
      write(buf);
      buf = Buffer.alloc(0);
    }
    pending = Buffer.from(buf);
  });
  return new Promise(resolve => src.on(`close`, () => {
    if (pending.length > 0 && !isFatal(pending)) write(pending);
    resolve();
  }));
}

/** The last error the runtime logged (`--log-format json`), if it failed. */
export function loggedError(logFile: string): string | undefined {
  let text = ``;
  try {
    text = readFileSync(logFile, `utf8`);
  } catch {
    return undefined;
  }
  let msg: string | undefined;
  for (const line of text.split(`\n`)) {
    if (!line.startsWith(`{`)) continue;
    try {
      const e = JSON.parse(line) as {level?: string, msg?: string};
      if (e.level === `error` && typeof e.msg === `string`) msg = e.msg;
    } catch {}
  }
  return msg;
}

/** A runtime's failure → podman's codes: 127 for a missing command, 126 for one that cannot run, else 125. */
export function runtimeError(name: OciRuntimeName, msg: string): TspodError {
  const text = `${name}: ${msg.replace(/^(runc |crun )?(run|exec|create|start) failed: /, ``)}`;
  if (/\bexec\b.*(executable file not found|no such file or directory)/i.test(text))
    return new TspodError(`CommandNotFound`, text, {hint: `check the command and the image's PATH`});
  if (/\bexec\b.*(permission denied|is a directory|exec format error)/i.test(text))
    return new TspodError(`CannotInvoke`, text, {hint: `check that the command is an executable file`});
  if (/chdir to cwd/.test(text))
    return new TspodError(`CannotInvoke`, text, {hint: `check the -w/--workdir directory exists in the container`});
  return new TspodError(`Internal`, text, {hint: `the OCI runtime refused the container: drop --runtime to use the built-in runtime`});
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
}

function helperFailure(stderrText: string, exitCode: number): TspodError | undefined {
  if (exitCode !== 125) return undefined;
  const line = stderrText.split(`\n`).reverse().find(l => l.startsWith(`tspod-helper: `) && !l.startsWith(`tspod-helper: warning:`));
  if (!line) return undefined;
  const msg = line.slice(`tspod-helper: `.length);
  return new TspodError(`Host`, msg, {hint: /uidmap/.test(msg) ? `install the \`uidmap\` package` : `check /etc/subuid and /etc/subgid for your user, and that user namespaces are enabled`});
}

/** Reads the container's pid from the notify fifo; undefined if the runtime ended first. */
async function readPid(fifo: string, ended: Promise<unknown>): Promise<{pid: number | undefined, close: () => void}> {
  const keep = openSync(fifo, constants.O_RDWR); // a writer of our own: the read end opens at once, and we can unblock it
  const fh = await open(fifo, constants.O_RDONLY);
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    try { writeSync(keep, `\n`); } catch {}
    closeSync(keep);
    void fh.close().catch(() => undefined);
  };
  const read = (async () => {
    let text = ``;
    const buf = Buffer.alloc(64);
    while (!text.includes(`\n`)) {
      const {bytesRead} = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      text += buf.subarray(0, bytesRead).toString();
    }
    return text.trim();
  })();
  const first = await Promise.race([read, ended.then(() => undefined)]);
  const pid = first ? Number(first) : NaN;
  return {pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, close};
}

/** Runs the container in the foreground; resolves to its exit status (125/126/127 come as TspodErrors), and its stdout when piped. */
export async function runOci(spec: RuntimeSpec, o: OciRunOptions): Promise<{exitCode: number, stdout?: string}> {
  rmSync(o.bundleDir, {recursive: true, force: true});
  mkdirSync(o.bundleDir, {recursive: true, mode: 0o700});
  mkdirSync(o.stateRoot, {recursive: true, mode: 0o700});
  const notify = join(o.bundleDir, `pid.fifo`), go = join(o.bundleDir, `go.fifo`), log = join(o.bundleDir, `runtime.log`);
  const hooks = keeperHooks(spec);
  let goFd: number | undefined;
  let running: RunningHooks | undefined;
  try {
    mkfifo(notify, 0o600);
    mkfifo(go, 0o600);
    goFd = openSync(go, constants.O_RDWR);
    writeBundle(o.bundleDir, ociSpec(spec, {rootfsMount: o.rootfsMount, sync: {notify, go}}));
    const copyUp = copyUpPlan(spec, o.rootfsMount);
    if (copyUp) await ociCopyUp(copyUp, {helperPath: o.helperPath, dir: o.bundleDir, env: {PATH: o.path ?? `/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`, ...idMapEnv(spec)}});
    const args = [
      `userns`, `--`, o.runtime.path, `--root`, o.stateRoot, `--log`, log, `--log-format`, `json`,
      `run`, `--bundle`, o.bundleDir, ...(o.pidFile ? [`--pid-file`, o.pidFile] : []), o.id,
    ];
    const child = childProcess().spawn(o.helperPath, args, {
      stdio: [o.stdin, o.stdout, `pipe`],
      env: {PATH: o.path ?? `/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`, ...idMapEnv(spec)},
    });
    let stderrText = ``, stdoutText = ``;
    child.stdout?.on(`data`, (d: Buffer) => { stdoutText += d.toString(); });
    child.stderr!.on(`data`, (d: Buffer) => { if (stderrText.length < 65536) stderrText += d.toString(); });
    const relayed = relayStderr(child.stderr!, o.stderr, o.runtime.name);
    const closed = new Promise<{code: number | null, signal: NodeJS.Signals | null}>((resolve, reject) => {
      child.on(`error`, err => reject(new TspodError(`Host`, `spawn \`${o.helperPath}\`: ${(err as NodeJS.ErrnoException).code}`, {hint: `build the helper: make -C helpers`})));
      child.on(`close`, (code, signal) => resolve({code, signal}));
    });
    closed.catch(() => undefined);
    if (child.pid !== undefined) o.onSpawn?.(child.pid);

    // The createRuntime hook hands over the pid; the keeper hooks start; then the answer.
    let hookError: unknown;
    const {pid, close} = await readPid(notify, closed.catch(() => undefined));
    try {
      if (pid !== undefined) {
        const recorded = o.onPid?.(pid).catch(() => undefined);
        try {
          running = await startKeeperHooks(hooks, pid, o.bundleDir, {setpriv: hooks.length > 0 ? findExecutable(`setpriv`, o.path) : undefined});
        } catch (err) {
          hookError = err;
        }
        await recorded;
        writeSync(goFd, hookError === undefined ? `0\n` : `1\n`);
      }
    } finally {
      close();
    }
    const {code, signal} = await closed;
    await relayed;
    if (hookError !== undefined) throw hookError;
    const exitCode = exitCodeOf(code, signal);
    if (exitCode !== 0) {
      const failed = loggedError(log);
      if (failed !== undefined) throw runtimeError(o.runtime.name, failed);
      const h = helperFailure(stderrText, exitCode);
      if (h) throw h;
    }
    return {exitCode, ...(child.stdout ? {stdout: stdoutText} : {})};
  } finally {
    running?.stop();
    if (goFd !== undefined) closeSync(goFd);
    removeScratch(o.bundleDir);
  }
}

/** Removes a scratch directory, and its parent when that is left empty. */
function removeScratch(dir: string): void {
  rmSync(dir, {recursive: true, force: true});
  try {
    rmdirSync(dirname(dir));
  } catch {}
}

function token(kw: string, args: Array<string>): string {
  for (const a of args) if (a.includes(`\0`)) throw new TspodError(`InvalidArgument`, `NUL byte in an argument of exec`);
  return [kw, String(args.length), ...args].map(s => `${s}\0`).join(``);
}

/** `runc exec` in the container's user namespace (entered with tspod-helper exec); resolves to the command's status. */
export async function execOci(o: OciExecOptions): Promise<number> {
  rmSync(o.workDir, {recursive: true, force: true});
  mkdirSync(o.workDir, {recursive: true, mode: 0o700});
  const processFile = join(o.workDir, `process.json`), log = join(o.workDir, `runtime.log`);
  try {
    writeFileAtomicSync(processFile, JSON.stringify(o.process));
    const all = capabilityMask(CAPABILITIES);
    const plan = [
      token(`status-fd`, [`4`]),
      token(`pid`, [String(o.containerPid)]),
      token(`namespaces`, [`user`]),
      token(`user`, [`0`, `0`]),
      token(`caps`, [all, all, all, all, all]),
      token(`env`, [`PATH=${o.path ?? `/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`}`]),
      token(`args`, [
        o.runtime.path, `--root`, o.stateRoot, `--log`, log, `--log-format`, `json`,
        `exec`, `--process`, processFile, ...(o.detach ? [`--detach`] : []), o.id,
      ]),
    ].join(``);
    const child = childProcess().spawn(o.helperPath, [`exec`, `-`], {stdio: [o.stdin, o.stdout, `pipe`, `pipe`, `pipe`]});
    let status = ``;
    (child.stdio[4] as Readable).on(`data`, d => { status += d; });
    const planPipe = child.stdio[3] as NodeJS.WritableStream & {on: (e: string, f: () => void) => void};
    planPipe.on(`error`, () => {});
    planPipe.end(plan);
    const relayed = relayStderr(child.stderr!, o.stderr, o.runtime.name);
    if (child.pid !== undefined) o.onSpawn?.(child.pid);
    const {code, signal} = await new Promise<{code: number | null, signal: NodeJS.Signals | null}>((resolve, reject) => {
      child.on(`error`, err => reject(new TspodError(`Host`, `spawn \`${o.helperPath}\`: ${(err as NodeJS.ErrnoException).code}`, {hint: `build the helper: make -C helpers`})));
      child.on(`close`, (c, s) => resolve({code: c, signal: s}));
    });
    await relayed;
    const exitCode = exitCodeOf(code, signal);
    const st = parseStatus(status);
    if (st) throw statusToError(st, exitCode);
    if (exitCode !== 0) {
      const failed = loggedError(log);
      if (failed !== undefined) throw runtimeError(o.runtime.name, failed);
    }
    return exitCode;
  } finally {
    removeScratch(o.workDir);
  }
}

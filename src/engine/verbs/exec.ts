// `exec`: runs a command in a running container through `tspod-helper exec`, which
// joins every namespace of the container's process (setns) and execs. The exit code
// is the command's; 125/126/127 as podman. From the CLI (`inPlace`) tspod becomes the
// helper (execve) and the helper reports failures itself; -d, the runc path and a host
// without koffi keep spawning it. `healthcheck run` uses it with `capture` (output kept,
// a timeout).
import {forwardSignals, killQuietly, RELAYED_SIGNALS} from '../../util/forwardSignals';
import {childProcess} from '../../util/lazyBuiltins';
import {closeSync, readFileSync} from 'node:fs';
import {randomBytes} from '../../util/randomBytes';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {CAPABILITIES, capabilityMask} from '../../runtime/capabilities';
import {compileSeccomp} from '../../runtime/seccomp/bpf';
import {passedFds} from '../run/passedFds';
import {parseStatus, statusToError} from '../../runtime/helper';
import {execFailureRules, workdirFailed} from '../../runtime/helperErrors';
import {canExecve, execve, inheritableMemfd, keepAcrossExec} from '../../sys/execve';
import {mustLookup, openContainers, readSpec, refresh} from '../lifecycle/containers';
import {helperBin} from '../lifecycle/monitor';
import {containerEvent, deferredEvents, emitContainer, emitEvents} from '../events/emit';
import type {ContainerRecord} from '../../storage/ContainerStore';
import {isAlive} from '../lifecycle/procStat';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {resolveUser} from '../run/users';
import {hostTerminal, ociDirs, recordedRuntime} from '../run/runtime';
import type {OciRuntimeRef} from '../../runtime/runc';
import type {Process} from '../../oci/runtimeSpec';

export interface ExecOptions {
  container: string;
  command: Array<string>;
  interactive?: boolean;
  tty?: boolean;
  env?: Array<string>;
  user?: string | undefined;
  workdir?: string | undefined;
  detach?: boolean;
  privileged?: boolean;
  hostEnv: Readonly<Record<string, string | undefined>>;
  /** --preserve-fds N: this process's fds 3 to N + 2 become the command's. */
  preserveFds?: string;
  /**
   * The caller has nothing left to do once the command ends: this process may become the
   * helper (execve), and execInContainer then never returns. `errorText` is how the caller
   * prints an error; the helper prints its failures with it.
   */
  inPlace?: {errorText: (err: TspodError) => string};
  /** healthcheck run: stdout and stderr collected together (up to maxBytes), not shown; the command killed after timeoutMs. */
  capture?: {timeoutMs: number, maxBytes: number};
}

export interface ExecResult {
  exitCode: number;
  sessionId: string;
  /** With `capture`: what the command wrote, and whether it ran out of time. */
  output?: string;
  timedOut?: boolean;
}

const NS_NAMES: Record<string, string> = {user: `user`, mount: `mnt`, pid: `pid`, uts: `uts`, ipc: `ipc`, network: `net`, net: `net`, cgroup: `cgroup`};

/** One directive of a helper plan (`KW\0N\0ARG\0…`, helpers/README.md). */
export function planTokens(kw: string, args: Array<string>): string {
  for (const a of args) if (a.includes(`\0`)) throw new TspodError(`InvalidArgument`, `NUL byte in an argument of exec`);
  return [kw, String(args.length), ...args].map(s => `${s}\0`).join(``);
}

function readText(p: string): string | undefined {
  try { return readFileSync(p, `utf8`); } catch { return undefined; }
}

function mergeEnv(base: Array<string>, extra: Array<string>, hostEnv: ExecOptions[`hostEnv`]): Array<string> {
  const map = new Map<string, string>();
  for (const e of base) {
    const i = e.indexOf(`=`);
    map.set(i < 0 ? e : e.slice(0, i), e);
  }
  for (const e of extra) {
    const i = e.indexOf(`=`);
    if (i < 0) {
      const v = hostEnv[e];
      if (v !== undefined) map.set(e, `${e}=${v}`);
    } else {
      map.set(e.slice(0, i), e);
    }
  }
  return [...map.values()];
}

export async function execInContainer(ctx: EngineContext, o: ExecOptions): Promise<ExecResult> {
  if (o.command.length === 0) throw new TspodError(`InvalidArgument`, `must provide a non-empty command to start an exec session`);
  // Not socket activation's LISTEN_FDS: those are for a container's first process (run).
  const passCount = o.preserveFds === undefined ? 0 : passedFds(o.preserveFds, {}).count;
  /** The helper's fds BASE.. become the command's 3.. (helpers/exec.c). */
  const passed = (base: number) => passCount > 0 ? planTokens(`preserve-fds`, [String(base), String(passCount)]) : ``;
  const cs = openContainers(ctx);
  let plan: string;
  let ociExec: {runtime: OciRuntimeRef, id: string, pid: number, process: Process} | undefined;
  let target: ContainerRecord;
  try {
    const c = target = await refresh(ctx, cs!, await mustLookup(cs, o.container));
    const m = c.metadata as LifeMeta;
    if (!isRunning(m) || typeof m.pid !== `number` || !isAlive(m.pid, m.pidStart))
      throw new TspodError(`CtrStateInvalid`, `can only create exec sessions on running containers: container state improper`, {hint: `container ${c.names[0] ?? c.id.slice(0, 12)} is ${m.state === `stopped` ? `exited` : m.state}: start it first (tspod start ${c.names[0] ?? c.id.slice(0, 12)})`});
    const spec = readSpec(cs!, c.id);
    const proc = spec.process;
    const pid = m.pid;
    let uid = proc.user.uid, gid = proc.user.gid, groups = proc.user.additionalGids ?? [];
    let env = proc.env ?? [];
    if (o.user !== undefined) {
      const read = (p: string) => { try { return readFileSync(`/proc/${pid}/root${p}`, `utf8`); } catch { return undefined; } };
      const u = resolveUser(o.user, read);
      uid = u.uid; gid = u.gid; groups = u.additionalGids;
      env = mergeEnv(env, [`HOME=${u.home}`], o.hostEnv);
    }
    env = mergeEnv(env, o.env ?? [], o.hostEnv);
    const caps = proc.capabilities ?? {};
    const oci = recordedRuntime(m);
    if (oci && o.capture)
      throw new TspodError(`Unsupported`, `health checks of a container run with ${oci.name} are not supported`, {hint: `create the container without --runtime`});
    if (oci && passCount > 0)
      throw new TspodError(`Unsupported`, `exec --preserve-fds in a container run with ${oci.name} is not supported`, {hint: `create the container without --runtime`});
    if (oci) {
      // The container runs under runc/crun: `runc exec` (runtime/runc.ts), with the same process settings.
      if (o.tty && !hostTerminal())
        throw new TspodError(`Unsupported`, `exec -t in a ${oci.name} container needs a terminal: ${oci.name} relays the command's terminal to tspod's own, and there is none`, {hint: `run tspod exec from a terminal, or drop -t`});
      const every = [...CAPABILITIES];
      const ociCaps = o.privileged ? {bounding: every, effective: every, permitted: every, inheritable: every, ...(uid === 0 ? {ambient: every} : {})} : caps;
      ociExec = {runtime: oci, id: c.id, pid, process: {
        terminal: Boolean(o.tty), user: {uid, gid, ...(groups.length > 0 ? {additionalGids: groups} : {})}, args: o.command, env,
        cwd: o.workdir ?? proc.cwd ?? `/`, capabilities: ociCaps, noNewPrivileges: Boolean(proc.noNewPrivileges),
      }};
    }
    const all = capabilityMask(CAPABILITIES);
    const ns = [`user`, ...(spec.linux?.namespaces ?? []).map(n => NS_NAMES[n.type]).filter((x): x is string => x !== undefined)];
    plan = [
      planTokens(`pid`, [String(pid)]),
      planTokens(`namespaces`, [...new Set(ns)]),
      planTokens(`user`, [String(uid), String(gid)]),
      // A single-id user namespace has setgroups denied: keep the groups we have.
      ...(readText(`/proc/${pid}/setgroups`)?.trim() === `deny` ? [] : [planTokens(`groups`, groups.map(String))]),
      planTokens(`cwd`, [o.workdir ?? proc.cwd ?? `/`]),
      o.privileged
        ? planTokens(`caps`, [all, all, all, all, uid === 0 ? all : `0`])
        : planTokens(`caps`, [capabilityMask(caps.bounding), capabilityMask(caps.effective), capabilityMask(caps.permitted), capabilityMask(caps.inheritable), capabilityMask(caps.ambient)]),
      ...(proc.noNewPrivileges ? [planTokens(`no-new-privs`, [])] : []),
      // The container's filter holds for what runs in it (podman, runc exec).
      ...(spec.linux?.seccomp ? [planTokens(`seccomp`, [compileSeccomp(spec.linux.seccomp).toString(`hex`)])] : []),
      planTokens(`env`, env),
      ...(o.tty ? [planTokens(`terminal`, [])] : []),
      ...(o.detach ? [planTokens(`detach`, [])] : []),
      planTokens(`args`, o.command),
    ].join(``);
  } finally {
    cs?.close();
  }
  const stdin = o.detach ? `ignore` : o.interactive || o.tty ? `inherit` : `ignore`;
  if (o.inPlace && !ociExec && !o.detach && !o.capture && canExecve()) {
    try {
      // In place the fds are where the command wants them; node made them close-on-exec.
      for (let fd = 3; fd < 3 + passCount; fd++) keepAcrossExec(fd);
      execInPlace(ctx, plan + passed(3), o, o.inPlace.errorText, target);
    } catch (err) {
      // Nothing is lost: spawning says what is wrong (a missing helper) in the usual words.
      ctx.log.debug(`exec in place: ${(err as Error).message}; spawning the helper`);
    }
  }
  // Health checks (capture) are not exec sessions a user started: podman tells of them as health_status.
  if (!o.capture) emitContainer(ctx, target, `exec`);
  const died = (exitCode: number) => {
    if (!o.capture && !o.detach) emitEvents(ctx, [containerEvent(target, `exec_died`, {exitCode})]);
    return exitCode;
  };
  const sessionId = randomBytes(32).toString(`hex`);
  if (ociExec) return {exitCode: died(await execWithOci(ctx, ociExec, o, sessionId, stdin)), sessionId};
  const out = o.detach ? `ignore` : o.capture ? `pipe` : `inherit`;
  const child = childProcess().spawn(helperBin(ctx), [`exec`, `-`], {stdio: [o.capture ? `ignore` : stdin, out, out, `pipe`, `pipe`, ...Array.from({length: passCount}, (_, i) => 3 + i)]});
  const stopForwarding = forwardSignals(o.detach || o.capture ? [] : RELAYED_SIGNALS, sig => killQuietly(child.pid, sig));
  const captured = o.capture ? captureOutput(child, o.capture) : undefined;
  try {
    let status = ``;
    (child.stdio[4] as NodeJS.ReadableStream).on(`data`, d => { status += d; });
    const planPipe = child.stdio[3] as NodeJS.WritableStream & {on: (e: string, f: () => void) => void};
    planPipe.on(`error`, () => {});
    planPipe.end(planTokens(`status-fd`, [`4`]) + plan + passed(5));
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on(`error`, err => reject(new TspodError(`Host`, `spawn \`${helperBin(ctx)}\`: ${(err as NodeJS.ErrnoException).code}`, {hint: `build the helper: make -C helpers`})));
      child.on(`close`, (code, signal) => resolve(code ?? 128 + (signal === `SIGKILL` ? 9 : 15)));
    });
    const st = parseStatus(status);
    if (st) {
      if (st.stage === `cwd`) throw workdirFailed(st.error);
      throw statusToError(st, exitCode);
    }
    return {exitCode: died(exitCode), sessionId, ...captured?.result()};
  } finally {
    captured?.stop();
    stopForwarding();
  }
}

/**
 * The command's stdout and stderr in one buffer, as podman's health check keeps them;
 * past the timeout the command's process group is killed (the helper forked it with
 * setsid: its pid is the helper's child), and the helper then exits with 137.
 */
function captureOutput(child: import('node:child_process').ChildProcess, c: {timeoutMs: number, maxBytes: number}) {
  const chunks: Array<Buffer> = [];
  let size = 0, timedOut = false;
  const keep = (d: Buffer) => {
    if (size < c.maxBytes) chunks.push(d.subarray(0, c.maxBytes - size));
    size += d.length;
  };
  child.stdout?.on(`data`, keep);
  child.stderr?.on(`data`, keep);
  const timer = setTimeout(() => {
    timedOut = true;
    const pid = child.pid;
    let kids: Array<number> = [];
    try { kids = readFileSync(`/proc/${pid}/task/${pid}/children`, `utf8`).trim().split(/\s+/).filter(Boolean).map(Number); } catch {}
    for (const k of kids) {
      try { process.kill(-k, `SIGKILL`); } catch { killQuietly(k, `SIGKILL`); }
    }
    if (kids.length === 0) killQuietly(pid, `SIGKILL`);
  }, c.timeoutMs);
  return {
    result: () => ({output: Buffer.concat(chunks).toString(`utf8`), timedOut}),
    stop: () => clearTimeout(timer),
  };
}

/**
 * Becomes the helper: the plan (without a status fd, with the words for each failure)
 * in a memfd the helper reads, stdio passed on. The helper then relays signals and the
 * terminal and exits with the command's status, as a spawned one does. Returns only by
 * throwing, and spawning still works then (stdin may be /dev/null already: spawn's too).
 */
function execInPlace(ctx: EngineContext, plan: string, o: ExecOptions, errorText: (err: TspodError) => string, target: ContainerRecord): never {
  const rules = execFailureRules(o.command[0]!, errorText).map(r => planTokens(`on-error`, r)).join(``);
  // No tspod is left to tell of the exec: the helper appends exec once the command is
  // exec'd (not for one that cannot start, as podman) and exec_died when it ends.
  const events = deferredEvents(ctx, [containerEvent(target, `exec`), containerEvent(target, `exec_died`)]);
  let fd: number | undefined;
  try {
    if (events) keepAcrossExec(events.fd);
    const eventsPlan = events ? planTokens(`exec-events`, [String(events.fd), ...events.lines.flat()]) : ``;
    fd = inheritableMemfd(`tspod-exec-plan`, Buffer.from(rules + eventsPlan + plan));
    return execve(helperBin(ctx), [`tspod-helper`, `exec`, `/proc/self/fd/${fd}`], ctx.env, {stdinNull: !(o.interactive || o.tty)});
  } finally {
    // Neither is close-on-exec: a helper spawned instead would inherit them.
    if (fd !== undefined) closeSync(fd);
    if (events) closeSync(events.fd);
  }
}

async function execWithOci(ctx: EngineContext, e: {runtime: OciRuntimeRef, id: string, pid: number, process: Process}, o: ExecOptions, sessionId: string, stdin: `inherit` | `ignore`): Promise<number> {
  const {execOci} = await import(`../../runtime/runc`);
  const dirs = ociDirs(ctx.paths.runRoot, e.runtime.name, e.id);
  let target: number | undefined;
  const stopForwarding = forwardSignals(o.detach ? [] : RELAYED_SIGNALS, sig => killQuietly(target, sig));
  try {
    return await execOci({
      runtime: e.runtime, helperPath: helperBin(ctx), id: e.id, stateRoot: dirs.stateRoot, workDir: dirs.execDir(sessionId),
      containerPid: e.pid, process: e.process, detach: Boolean(o.detach), path: ctx.env.PATH,
      stdin: o.detach ? `ignore` : stdin, stdout: o.detach ? `ignore` : `inherit`, stderr: process.stderr,
      onSpawn: pid => { target = pid; },
    });
  } finally {
    stopForwarding();
  }
}

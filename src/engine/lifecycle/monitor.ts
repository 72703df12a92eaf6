// Starting a container under its monitor (`tspod-helper monitor`, helpers/README.md):
// the OCI spec becomes the run plan (with `detach`, so the container is adopted by the
// monitor), the monitor is spawned in its own session so it outlives this CLI, and its
// status fd says either {"pid":N} (running) or the helper's JSON error line.
import {childProcess} from '../../util/lazyBuiltins';
import {mkdirSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {uid as hostUid} from '../../config/paths';
import {encodePlan} from '../../runtime/plan';
import type {Plan} from '../../runtime/plan';
import {parseStatus, statusToError} from '../../runtime/helper';
import {specToPlan} from '../../runtime/specToPlan';
import type {ContainerStore} from '../../storage/ContainerStore';
import {writeFileAtomic} from '../../util/atomicWrite';
import {logPath, readSpec, runFiles} from './containers';
import {startTimeOf} from './procStat';
import {parseRestartPolicy} from './state';

export interface MonitorStart {
  monitorPid: number;
  monitorStart: string | undefined;
  pid: number;
  pidStart: string | undefined;
}

export interface MonitorOptions {
  /** Keep a stdin pipe for attach / -i. */
  stdin?: boolean;
  restartPolicy?: string | undefined;
  /** Write the k8s-file log (not with --log-driver none or passthrough). */
  log: boolean;
  logMax?: number | undefined;
  /** argv run by the monitor after the container's final exit. */
  exitCommand?: Array<string>;
  /** --timeout: the monitor kills the container (SIGKILL) this many seconds after each start. */
  timeout?: number | undefined;
  /** `healthcheck run` argv, run every healthIntervalMs while the container runs (one at a time). */
  healthIntervalMs?: number;
  healthCommand?: Array<string>;
  /** Wait for one attach client before starting (start -a): nothing is missed. */
  waitAttach?: boolean;
  onSocket?: (path: string) => void;
  /** run -d --preserve-fds: this process's fds 3 to 3 + n - 1 go to the container, at each start. */
  preserveFds?: number;
  /** Called as soon as the monitor runs (record it: a CLI killed now leaves no stray). */
  onSpawn?: (monitorPid: number, monitorStart: string | undefined) => Promise<void>;
}

export function helperBin(ctx: EngineContext): string {
  return join(ctx.installDir, `helpers/tspod-helper`);
}

/** Plan tokens not in runtime/plan.ts's Directive union (monitor-only). */
function extra(kw: string, args: Array<string>): Buffer {
  return Buffer.from([kw, String(args.length), ...args].map(s => `${s}\0`).join(``));
}

export async function startMonitor(ctx: EngineContext, cs: ContainerStore, id: string, rootfsMount: {type: string, source: string, options: Array<string>} | undefined, o: MonitorOptions): Promise<MonitorStart> {
  const f = runFiles(ctx.paths.runRoot, id);
  mkdirSync(f.dir, {recursive: true, mode: 0o700});
  rmSync(f.exit, {force: true});
  rmSync(f.stopMarker, {force: true});
  rmSync(f.state, {force: true});
  const spec = readSpec(cs, id);
  const plan = specToPlan(spec, {
    ...(rootfsMount ? {rootfsMount} : {}),
    hostUid: hostUid(), hostGid: process.getgid ? process.getgid() : 0,
    statusFd: 3, pidFile: f.pidFile,
  });
  const tty = Boolean(spec.process.terminal);
  const n = o.preserveFds ?? 0;
  // The monitor places passed fds after the status fd and console socket (helpers/monitor.c).
  const passed: Plan = n > 0 ? [{kind: `preserve-fds`, base: tty ? 5 : 4, count: n}] : [];
  const buf = Buffer.concat([encodePlan([...plan, ...passed]), extra(`detach`, []), ...(tty ? [extra(`console-socket`, [`4`])] : [])]);
  await writeFileAtomic(f.plan, buf, {fsync: false});
  const policy = parseRestartPolicy(o.restartPolicy);
  const args = [
    `monitor`, `--plan`, f.plan, `--exit-file`, f.exit, `--pid-file`, f.pidFile, `--stop-marker`, f.stopMarker, `--state-file`, f.state,
    ...(o.log ? [`--log`, logPath(cs, id)] : []), `--socket`, f.socket, `--status-fd`, `3`,
    ...(policy.name !== `no` ? [`--restart`, policy.max ? `${policy.name}:${policy.max}` : policy.name] : []),
    ...(o.logMax ? [`--log-max`, String(o.logMax)] : []),
    ...(o.stdin ? [`--stdin`] : []),
    ...(tty ? [`--terminal`] : []),
    ...(o.waitAttach ? [`--wait-attach`] : []),
    ...(n > 0 ? [`--preserve-fds`, String(n)] : []),
    ...(o.exitCommand ?? []).flatMap(a => [`--exit-cmd`, a]),
    ...(o.timeout ? [`--timeout`, String(o.timeout)] : []),
    ...(o.healthIntervalMs && o.healthCommand ? [`--health-interval`, String(o.healthIntervalMs), ...o.healthCommand.flatMap(a => [`--health-cmd`, a])] : []),
  ];
  const child = childProcess().spawn(helperBin(ctx), args, {detached: true, stdio: [`ignore`, `ignore`, `ignore`, `pipe`, ...Array.from({length: n}, (_, i) => 3 + i)]});
  const monitorPid = child.pid;
  if (monitorPid === undefined)
    throw new TspodError(`Host`, `spawn \`${helperBin(ctx)}\` failed`, {hint: `build the helper: make -C helpers`});
  const monitorStart = startTimeOf(monitorPid);
  child.on(`error`, () => undefined);
  // Listen to the status pipe now, before any await: when the monitor exits (a failed
  // start), child_process resumes every stdio stream nobody listens to yet, so its
  // data and `end` would be gone; the promise would then never settle and, with no
  // handle left, node would exit 0 without a word (`run -d` of a missing command).
  const status = new Promise<string>(resolve => {
    let s = ``;
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.on(`data`, d => { s += d; });
    pipe.on(`end`, () => resolve(s));
    pipe.on(`error`, () => resolve(s));
  });
  await o.onSpawn?.(monitorPid, monitorStart);
  if (o.waitAttach) o.onSocket?.(f.socket);
  const text = await status;
  child.unref();
  const lines = text.split(`\n`).filter(l => l.startsWith(`{`)).map(l => JSON.parse(l) as Record<string, unknown>);
  const ok = lines.find(l => typeof l.pid === `number`);
  if (ok) {
    const pid = ok.pid as number;
    return {monitorPid, monitorStart, pid, pidStart: startTimeOf(pid)};
  }
  const code = (lines.find(l => typeof l.exitCode === `number`)?.exitCode as number | undefined) ?? 125;
  const st = parseStatus(text);
  const err = st ? statusToError(st, code) : new TspodError(`Internal`, `the container monitor exited without starting the container`);
  (err as TspodError & {exitCode?: number}).exitCode = code;
  throw err;
}

// `healthcheck run`: the container's health check run once inside it (through exec,
// as `tspod exec` joins it), its result folded into the health state under the
// container's lock, then the --health-on-failure action when it turned unhealthy.
// The monitor runs this command every interval (helpers/monitor.c --health-cmd).
import {childProcess} from '../../util/lazyBuiltins';
import type {EngineContext} from '../Engine';
import {TspodError, isTspodError} from '../errors';
import {mustLookup, noSuchContainer, openContainers, refresh, withContainerLock} from '../lifecycle/containers';
import {foldResult, MAX_OUTPUT, readHealth, writeHealth} from '../lifecycle/health';
import type {HealthState} from '../lifecycle/health';
import {goDurationString, healthArgv, parseOnFailure} from '../lifecycle/healthConfig';
import type {Healthcheck} from '../lifecycle/healthConfig';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {isoNow, isoTime} from '../../util/isoTime';

export interface HealthcheckReport {
  /** This run's result (podman's `healthcheck run` prints `unhealthy` for a failed one). */
  passed: boolean;
  state: HealthState;
}

export async function runHealthcheck(ctx: EngineContext, o: {container: string}): Promise<HealthcheckReport> {
  const cs = openContainers(ctx);
  try {
    let c;
    try {
      c = await refresh(ctx, cs!, await mustLookup(cs, o.container));
    } catch (err) {
      if (isTspodError(err, `NoSuchContainer`)) throw new TspodError(`NoSuchContainer`, `unable to look up ${o.container} to perform a health check: ${err.message}`);
      throw err;
    }
    const m = c.metadata as LifeMeta;
    const hc = m.healthcheck as Healthcheck | undefined;
    if (m.state !== `running`) throw new TspodError(`CtrStateInvalid`, `container ${c.id} is not running`, {hint: `start it first (tspod start ${c.names[0] ?? c.id.slice(0, 12)})`});
    if (!hc) throw new TspodError(`InvalidArgument`, `container ${c.id} has no defined healthcheck`, {hint: `create the container with --health-cmd, or from an image with a HEALTHCHECK`});

    const start = new Date();
    let exitCode: number, output: string, failure: TspodError | undefined;
    try {
      const {execInContainer} = await import(`./exec`);
      const r = await execInContainer(ctx, {container: c.id, command: healthArgv(hc), hostEnv: {}, capture: {timeoutMs: Math.ceil(hc.Timeout / 1e6), maxBytes: MAX_OUTPUT}});
      output = r.output ?? ``;
      exitCode = r.timedOut ? -1 : r.exitCode === 0 ? 0 : 1;
      if (r.timedOut) failure = new TspodError(`Internal`, `healthcheck command exceeded timeout of ${goDurationString(hc.Timeout)}`, {hint: `make the check faster, or raise --health-timeout`});
    } catch (err) {
      // podman: a command that cannot be run is a failed check (1); anything else could not check (125).
      const cannotRun = isTspodError(err, `CommandNotFound`) || isTspodError(err, `CannotInvoke`);
      exitCode = cannotRun ? 1 : 125;
      output = err instanceof Error ? err.message : String(err);
      if (!cannotRun) failure = isTspodError(err) ? err : new TspodError(`Internal`, output);
    }
    const entry = {Start: isoTime(start.getTime()), End: isoNow(), ExitCode: exitCode, Output: output.slice(0, MAX_OUTPUT)};

    const state = await withContainerLock(ctx, c.id, async () => {
      const cur = await cs!.get(c.id);
      if (!cur) throw noSuchContainer(o.container);
      const cm = (await refresh(ctx, cs!, cur)).metadata as LifeMeta;
      const userdata = cs!.userdataDir(c.id);
      const prev = readHealth(userdata);
      // Stopped meanwhile (or started again): this result belongs to no run now.
      if (!isRunning(cm) || cm.startedAt !== m.startedAt) return prev;
      const startedAt = Date.parse(cm.startedAt ?? ``);
      const inStartPeriod = hc.StartPeriod > 0 && start.getTime() < startedAt + hc.StartPeriod / 1e6;
      const next = foldResult(prev, entry, hc, inStartPeriod);
      await writeHealth(userdata, next);
      return next;
    });
    if (state.Status === `unhealthy` && exitCode !== 0) await onFailure(ctx, c.id, m);
    if (failure) throw failure;
    return {passed: exitCode === 0, state};
  } finally {
    cs?.close();
  }
}

/** --health-on-failure (podman's processHealthCheckStatus). */
async function onFailure(ctx: EngineContext, id: string, m: LifeMeta): Promise<void> {
  const action = parseOnFailure(typeof m.healthOnFailure === `string` ? m.healthOnFailure : undefined);
  if (action === `kill`) await (await import(`./stop`)).killContainers(ctx, {containers: [id], signal: `KILL`});
  else if (action === `stop`) await (await import(`./stop`)).stopContainers(ctx, {containers: [id]});
  else if (action === `restart`) {
    // In a session of its own: run by the monitor, we are in the process group it kills
    // a few seconds after the container ends, before a restart in place would be done.
    const [bin, ...args] = (await import(`./start`)).tspodArgv(ctx, `restart`, id);
    childProcess().spawn(bin!, args, {detached: true, stdio: `ignore`}).unref();
  }
}

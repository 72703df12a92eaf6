// `wait`: polls the reconciled state until each container meets the condition
// (default: stopped/exited; healthy/unhealthy: its health state) and reports its exit code.
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {mustLookup, openContainers, readExit, refresh, runFiles} from '../lifecycle/containers';
import {isRunning, podmanStatus} from '../lifecycle/state';
import {healthStatusOf} from '../lifecycle/health';
import type {LifeMeta} from '../lifecycle/state';

const CONDITIONS = [`configured`, `created`, `exited`, `healthy`, `paused`, `removing`, `running`, `stopped`, `stopping`, `unhealthy`];

export async function waitContainers(ctx: EngineContext, o: {containers: Array<string>, conditions?: Array<string>, intervalMs?: number, ignore?: boolean}): Promise<Array<{ref: string, exitCode: number}>> {
  const conds = (o.conditions?.length ? o.conditions : [`stopped`]).map(c => c.toLowerCase());
  for (const c of conds)
    if (!CONDITIONS.includes(c)) throw new TspodError(`InvalidArgument`, `invalid condition "${c}"`, {hint: `use one of ${CONDITIONS.join(`, `)}`});
  const cs = openContainers(ctx);
  try {
    return await Promise.all(o.containers.map(async ref => {
      const first = await mustLookup(cs, ref).catch(err => {
        if (o.ignore) return undefined;
        throw err;
      });
      if (!first) return {ref, exitCode: -1};
      let last = (first.metadata as LifeMeta).exitCode ?? -1;
      const f = runFiles(ctx.paths.runRoot, first.id);
      for (;;) {
        const cur = await cs!.get(first.id);
        if (!cur) {
          // Removed (an --rm container): its last recorded exit code.
          return {ref, exitCode: readExit(f.exit)?.exitCode ?? last};
        }
        const m = (await refresh(ctx, cs!, cur)).metadata as LifeMeta;
        if (m.exitCode !== undefined) last = m.exitCode;
        const st = podmanStatus(m);
        const health = conds.some(c => c === `healthy` || c === `unhealthy`) && isRunning(m) ? healthStatusOf(cs!.userdataDir(first.id), m.healthcheck) : ``;
        // No --condition: podman waits only while the container runs; one never started answers at once (0).
        const idle = !o.conditions?.length && (st === `created` || st === `configured`);
        const hit = idle || conds.some(c => c === st || (c === `stopped` && st === `exited`) || c === m.state || c === health);
        if (hit) return {ref, exitCode: m.exitCode ?? (st === `exited` || idle ? 0 : -1)};
        await new Promise(r => setTimeout(r, o.intervalMs ?? 25));
      }
    }));
  } finally {
    cs?.close();
  }
}

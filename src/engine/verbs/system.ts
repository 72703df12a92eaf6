// `system check` (Store.check, optionally repairing) and `system reset` (the whole
// graph root and run root go; layer files belong to subordinate ids, so the
// removal runs inside the user namespace).
import {execFile} from 'node:child_process';
import {rm} from '../../util/fsp';
import {promisify} from 'node:util';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {usernsArgv} from '../../storage/WorkerClient';
import {helperPath, openStore} from './store';
import {openContainers} from '../lifecycle/containers';
import {isAlive} from '../lifecycle/procStat';
import type {LifeMeta} from '../lifecycle/state';

const execFileP = promisify(execFile);

export interface SystemCheckReport {
  problems: Array<{kind: string, id: string, what: string, repaired: boolean}>;
}

export async function systemCheck(ctx: EngineContext, opts: {repair?: boolean, quick?: boolean}): Promise<SystemCheckReport> {
  const store = await openStore(ctx);
  try {
    const report = await store.store.check({repair: opts.repair ?? false, quick: opts.quick ?? false});
    return {problems: report.problems.map(p => ({kind: p.kind, id: p.id, what: p.detail, repaired: p.repaired ?? false}))};
  } finally {
    await store.close();
  }
}

export async function systemReset(ctx: EngineContext): Promise<void> {
  // As podman: every container and pod goes first, killed at once (running ones would
  // otherwise keep running, their monitors and network backends with them, on a root
  // file system deleted under them). A store too broken to list them is removed anyway.
  try {
    const cs = openContainers(ctx);
    const monitors = cs ? (await cs.list()).map(c => c.metadata as LifeMeta).filter(m => isAlive(m.monitorPid, m.monitorStart)) : [];
    cs?.close();
    const {removeContainers} = await import(`./rm`);
    await removeContainers(ctx, {containers: [], all: true, force: true, ignore: true, volumes: true, timeout: 0});
    // Each monitor ends with its exit command, which opens the store: let it finish before the store goes.
    for (const end = Date.now() + 10_000; monitors.some(m => isAlive(m.monitorPid, m.monitorStart)) && Date.now() < end;)
      await new Promise(r => setTimeout(r, 20));
  } catch (err) {
    ctx.log.warn(`system reset: removing the containers first: ${(err as Error).message}`);
  }
  const helper = helperPath(ctx);
  for (const dir of [ctx.paths.graphRoot, ctx.paths.runRoot]) {
    const argv = usernsArgv([`rm`, `-rf`, `--one-file-system`, dir], helper ? {helperPath: helper} : {});
    try {
      await execFileP(argv[0]!, argv.slice(1), {timeout: 10 * 60_000});
    } catch (err) {
      const why = ((err as {stderr?: string}).stderr || (err as Error).message).trim().split(`\n`).pop();
      throw new TspodError(`Storage`, `cannot remove \`${dir}\`: ${why}`, {hint: `stop running containers (they keep mounts busy) and try again`});
    }
    // Anything the user namespace could not see (files of the user itself) goes here.
    await rm(dir, {recursive: true, force: true});
  }
}

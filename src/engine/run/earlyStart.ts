// An early start: `tspod run` spawns the helper with the head of its plan (maps,
// namespaces), predicted from the options, before it opens the store, so that
// newuidmap and newgidmap (two setuid programs, ~20 ms) run while Node prepares the
// container. The prediction is checked against the real plan's head; a wrong one
// abandons that helper and the run spawns another: only the speed depends on it.
import {encodePlan} from '../../runtime/plan';
import type {Plan} from '../../runtime/plan';
import {planHead, splitPlan} from '../../runtime/specToPlan';
import type {PlanFrame, SpecToPlanOptions} from '../../runtime/specToPlan';
import {runContainer, startHelper} from '../../runtime/helper';
import type {RunOptions, RunResult, StartedHelper} from '../../runtime/helper';
import type {RuntimeSpec} from '../../oci/runtimeSpec';
import {idMaps, logsForeground} from './prepare';
import type {CreateOptions, Validated} from './prepare';
import {mapping, namespaces} from './spec';

export interface EarlyHelper {
  helper: StartedHelper;
  head: Buffer;
}

type HeadOptions = Pick<SpecToPlanOptions, `hostUid` | `hostGid`>;

/** The frame a run of these options will have; undefined when it depends on the store (--network container:). */
export function predictFrame(o: Pick<CreateOptions, `tty` | `logDriver` | `rm`>, v: Pick<Validated, `network` | `userns` | `extras`>): PlanFrame | undefined {
  const kind = v.network.mode.kind;
  if (kind === `container` || v.extras.joinPid !== undefined || v.extras.joinIpc !== undefined || v.extras.joinUts !== undefined) return undefined; // resolved at create
  let maps;
  try {
    maps = idMaps(v.userns);
  } catch {
    return undefined; // prepare reports it
  }
  return {
    uidMappings: mapping(maps.uidMap), gidMappings: mapping(maps.gidMap),
    namespaces: namespaces(kind === `host` ? {kind: `host`} : {kind: `new`}, {uts: v.extras.hostUts, ipc: v.extras.hostIpc, pid: v.extras.hostPid, ownCgroup: v.extras.privateCgroupns}), terminal: Boolean(o.tty),
    logPipes: !o.tty && logsForeground(o), // a foreground run is logged (verbs/run.ts)
  };
}

export function startEarly(helperPath: string, frame: PlanFrame, ids: HeadOptions, opts: RunOptions): EarlyHelper {
  const {head} = planHead(frame, ids);
  return {helper: startHelper(helperPath, head, opts), head: encodePlan(head)};
}

/** Runs the container: on the early helper when its head is the plan's, else on a new one. */
export async function runPlanned(helperPath: string, early: EarlyHelper | undefined, spec: RuntimeSpec, planOpts: SpecToPlanOptions, opts: RunOptions): Promise<RunResult> {
  let split;
  try {
    split = splitPlan(spec, planOpts);
  } catch (err) {
    await early?.helper.abandon(); // else it waits for its rest, and keeps Node waiting for it
    throw err;
  }
  const {head, body} = split;
  if (early && encodePlan(head).equals(early.head)) return early.helper.finish(body);
  await early?.helper.abandon();
  const full: Plan = [...head, ...body];
  return runContainer(helperPath, full, opts);
}

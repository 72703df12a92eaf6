// --pid, --ipc and --uts container:NAME: the namespaces of another running container are
// joined, as --network container:NAME joins its network (resolved at create, like it).
// The joined namespaces belong to that container's user namespace, so it is joined too;
// and a container can be in only one user namespace, so every container named must share it.
import {readFileSync, readlinkSync} from 'node:fs';
import {join} from 'node:path';
import {TspodError} from '../errors';
import type {Store} from '../../storage/Store';
import type {Extras} from './extras';
import type {NamespaceJoins} from './spec';
import type {EngineContext} from '../Engine';
import type {ContainerRecord} from '../../storage/ContainerStore';
import {refresh} from '../lifecycle/containers';
import type {LifeMeta} from '../lifecycle/state';
import {isRunning} from '../lifecycle/state';
import {isAlive} from '../lifecycle/procStat';

export interface ResolvedJoins {
  joins: NamespaceJoins;
  /** Container ids whose namespace is joined, by type (inspect's `container:ID` modes). */
  targets: {pid?: string, ipc?: string, uts?: string};
  /** --uts container:NAME: that container's hostname. */
  hostname?: string;
}

/** A running container (refreshed: a detached one's pid is its monitor's record), or an error saying why its namespaces cannot be joined. */
export async function runningTarget(ctx: EngineContext, store: Store, name: string, flag: string): Promise<{id: string, pid: number, record: ContainerRecord}> {
  const found = await store.containers.lookup(name);
  if (!found) throw new TspodError(`NoSuchContainer`, `no container with name or ID "${name}" found`, {hint: `${flag} container:NAME needs an existing, running container`});
  const c = await refresh(ctx, store.containers, found);
  const m = c.metadata as LifeMeta;
  if (!isRunning(m) || typeof m.pid !== `number` || !isAlive(m.pid, m.pidStart))
    throw new TspodError(`CtrStateInvalid`, `container ${name} is not running: its namespaces cannot be joined`, {hint: `start it first, then use ${flag} container:${name}`});
  return {id: c.id, pid: m.pid, record: c};
}

/** The namespaces to join for --pid/--ipc/--uts container:NAME; `networkUserns` is --network container:NAME's user namespace path. */
export async function resolveNamespaceJoins(ctx: EngineContext, store: Store, extras: Extras, networkUserns?: string): Promise<ResolvedJoins> {
  const out: ResolvedJoins = {joins: {}, targets: {}};
  const users: Array<[string, string]> = networkUserns === undefined ? [] : [[`--network`, networkUserns]];
  for (const [type, name] of [[`pid`, extras.joinPid], [`ipc`, extras.joinIpc], [`uts`, extras.joinUts]] as const) {
    if (name === undefined) continue;
    const t = await runningTarget(ctx, store, name, `--${type}`);
    out.joins[type] = `/proc/${t.pid}/ns/${type}`;
    out.targets[type] = t.id;
    users.push([`--${type}`, `/proc/${t.pid}/ns/user`]);
    if (type === `uts`) out.hostname = hostnameOf(store, t.id);
  }
  if (out.targets.pid ?? out.targets.ipc ?? out.targets.uts) {
    const ids = users.map(([flag, path]) => [flag, userNamespace(path)] as const);
    const other = ids.find(u => u[1] !== ids[0]![1]);
    if (other) throw new TspodError(`InvalidArgument`, `${ids[0]![0]} and ${other[0]} name containers in different user namespaces: a container can join only one`, {hint: `join the namespaces of a single container`});
    out.joins.user = users[0]![1];
  }
  return out;
}

function userNamespace(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    throw new TspodError(`CtrStateInvalid`, `a container exited while its namespaces were being joined (${path})`, {hint: `start it again, then retry`});
  }
}

/** The hostname a container's spec gave it. */
function hostnameOf(store: Store, id: string): string | undefined {
  try {
    const spec = JSON.parse(readFileSync(join(store.containers.userdataDir(id), `config.json`), `utf8`)) as {hostname?: string};
    return spec.hostname;
  } catch {
    return undefined;
  }
}

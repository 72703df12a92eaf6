// What every verb that takes several containers shares (start, restart, stop, kill,
// pause, rm): each reference in turn, a failure recorded so the others still run (podman
// reports each one and goes on), and the one-container transition done under that
// container's lock on a record re-read and reconciled there.
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {ContainerRecord, ContainerStore} from '../../storage/ContainerStore';
import {listFresh, mustLookup, noSuchContainer, refresh, withContainerLock} from './containers';

export interface EachOptions {
  /** All at once (stop: each may wait out its timeout) rather than one after another. */
  parallel?: boolean;
  /** A reference that names no container is no failure (`--ignore`). */
  ignoreMissing?: boolean;
  /** A single reference's failure is thrown rather than recorded (its own exit code). */
  throwSingle?: boolean;
}

export async function eachContainer<T>(refs: ReadonlyArray<string>, one: (ref: string) => Promise<T>, o: EachOptions = {}): Promise<{done: Array<T>, errors: Array<unknown>}> {
  const done: Array<T> = [];
  const errors: Array<unknown> = [];
  const step = async (ref: string): Promise<void> => {
    try {
      done.push(await one(ref));
    } catch (err) {
      if (o.throwSingle && refs.length === 1) throw err;
      if (o.ignoreMissing && err instanceof TspodError && err.code === `NoSuchContainer`) return;
      errors.push(err);
    }
  };
  if (o.parallel) await Promise.all(refs.map(step));
  else for (const ref of refs) await step(ref);
  return {done, errors};
}

/**
 * Runs `fn` under the container's lock with its record as it is then (another tspod may
 * have changed or removed it while we waited). `gone` answers for a container removed
 * meanwhile; by default that is podman's "no such container".
 */
export async function withFreshContainer<T>(ctx: EngineContext, cs: ContainerStore, ref: string, fn: (c: ContainerRecord) => Promise<T>, gone?: (id: string) => T): Promise<T> {
  const first = await mustLookup(cs, ref);
  return withContainerLock(ctx, first.id, async () => {
    const cur = await cs.get(first.id);
    if (!cur) {
      if (gone) return gone(first.id);
      throw noSuchContainer(ref);
    }
    return fn(await refresh(ctx, cs, cur));
  });
}

/** The references a verb works on: those given, or with --all every container `want` keeps. */
export async function targetRefs(ctx: EngineContext, cs: ContainerStore | undefined, o: {all?: boolean | undefined, containers: ReadonlyArray<string>}, want: (c: ContainerRecord) => boolean): Promise<ReadonlyArray<string>> {
  if (!o.all) return o.containers;
  return cs ? (await listFresh(ctx, cs)).filter(want).map(c => c.id) : [];
}

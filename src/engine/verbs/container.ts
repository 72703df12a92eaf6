// Small container verbs: rename, exists (top: top.ts).
import {emitContainer} from '../events/emit';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {checkContainerName} from '../run/options';
import {mustLookup, openContainers, withContainerLock} from '../lifecycle/containers';

export async function renameContainer(ctx: EngineContext, o: {container: string, name: string}): Promise<void> {
  checkContainerName(o.name);
  const cs = openContainers(ctx);
  try {
    const c = await mustLookup(cs, o.container);
    await withContainerLock(ctx, c.id, () => cs!.mutate(records => {
      const owner = records.find(r => r.names.includes(o.name));
      if (owner && owner.id !== c.id) throw new TspodError(`NameInUse`, `the container name "${o.name}" is already in use by ${owner.id}. You have to remove that container to be able to reuse that name: that name is already in use`);
      const r = records.find(x => x.id === c.id);
      if (!r) throw new TspodError(`NoSuchContainer`, `no container with name or ID "${o.container}" found: no such container`);
      r.names = [o.name];
    }));
    emitContainer(ctx, {...c, names: [o.name]}, `rename`);
  } finally {
    cs?.close();
  }
}

export async function containerExists(ctx: EngineContext, o: {container: string}): Promise<boolean> {
  const cs = openContainers(ctx);
  try {
    return cs ? (await cs.lookup(o.container)) !== undefined : false;
  } finally {
    cs?.close();
  }
}

// `tspod system df`: what images, containers and volumes take on disk and how much of
// it the prune verbs could give back, as podman's table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE).
// Active: an image some container uses, a running or paused container, a volume a
// container mounts.
import type {EngineContext} from '../Engine';
import {listImages} from './images';
import {withStore} from './store';
import {listContainers} from './ps';
import {volumeUsage} from './volume';

export interface DfRow {
  Type: `Images` | `Containers` | `Local Volumes`;
  Total: number;
  Active: number;
  Size: number;
  Reclaimable: number;
}

function row(type: DfRow[`Type`], items: ReadonlyArray<{active: boolean, size: number}>): DfRow {
  const size = (xs: ReadonlyArray<{size: number}>) => xs.reduce((n, x) => n + x.size, 0);
  return {Type: type, Total: items.length, Active: items.filter(x => x.active).length, Size: size(items), Reclaimable: size(items.filter(x => !x.active))};
}

export async function systemDf(ctx: EngineContext): Promise<Array<DfRow>> {
  const images = await listImages(ctx, {all: true, filters: []});
  const containers = await listContainers(ctx, {all: true, size: true});
  const volumes = await volumeUsage(ctx);
  return [
    row(`Images`, images.map(i => ({active: i.Containers > 0, size: i.Size}))),
    row(`Containers`, containers.map(c => ({active: c.State === `running` || c.State === `paused`, size: c.Size?.rwSize ?? 0}))),
    row(`Local Volumes`, volumes.map(v => ({active: v.users > 0, size: v.size}))),
  ];
}

/** `system df -v`: podman's three tables, one row per image name, container and volume. */
export interface DfVerbose {
  images: Array<{Repository: string, Tag: string, ImageID: string, Created: number, Size: number, SharedSize: number, UniqueSize: number, Containers: number}>;
  containers: Array<{ContainerID: string, Image: string, Command: Array<string>, LocalVolumes: number, Size: number, Created: number, Status: string, Names: string}>;
  volumes: Array<{VolumeName: string, Links: number, Size: number}>;
}

export async function systemDfVerbose(ctx: EngineContext): Promise<DfVerbose> {
  const images = await listImages(ctx, {all: true, filters: []});
  const containers = await listContainers(ctx, {all: true, size: true});
  const volumes = await volumeUsage(ctx);
  // Shared: the image's layers that another image (another ID) has too, as podman counts them.
  const shared = await withStore(ctx, async store => {
    const records = await store.images.list();
    const sizes = new Map((await store.layers.list()).map(l => [l.id, l.diffSize ?? 0]));
    const holders = new Map<string, Set<string>>();
    for (const img of records) for (const l of img.layers) holders.set(l, (holders.get(l) ?? new Set()).add(img.id));
    return new Map(records.map(img => [img.id, img.layers.filter(l => (holders.get(l)?.size ?? 0) > 1).reduce((n, l) => n + (sizes.get(l) ?? 0), 0)]));
  });
  const volumesOf = new Map<string, number>();
  for (const v of volumes) for (const id of v.userIds) volumesOf.set(id, (volumesOf.get(id) ?? 0) + 1);
  return {
    images: images.flatMap(i => {
      const sharedSize = Math.min(i.Size, shared.get(i.Id) ?? 0);
      const base = {ImageID: i.Id, Created: i.Created, Size: i.Size, SharedSize: sharedSize, UniqueSize: i.Size - sharedSize, Containers: i.Containers};
      const names = i.RepoTags.length > 0 ? i.RepoTags : [`<none>:<none>`];
      return names.map(n => {
        const at = n.lastIndexOf(`:`);
        return {Repository: n.slice(0, at), Tag: n.slice(at + 1), ...base};
      });
    }),
    containers: containers.map(c => ({
      ContainerID: c.Id, Image: c.ImageID, Command: c.Command, LocalVolumes: volumesOf.get(c.Id) ?? 0,
      Size: c.Size?.rwSize ?? 0, Created: c.Created, Status: c.State, Names: c.Names[0] ?? ``,
    })),
    volumes: volumes.map(v => ({VolumeName: v.volume.Name, Links: v.users, Size: v.size})),
  };
}

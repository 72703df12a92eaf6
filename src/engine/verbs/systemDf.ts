// `tspod system df`: what images, containers and volumes take on disk and how much of
// it the prune verbs could give back, as podman's table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE).
// Active: an image some container uses, a running or paused container, a volume a
// container mounts.
import type {EngineContext} from '../Engine';
import {listImages} from './images';
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

// --volumes-from CTR[:ro|rw]: the other container's volumes and bind mounts, at the same
// destinations, as podman mounts them (its `:ro`/`:rw` overrides each mount's mode). The
// container's own -v/--mount/--tmpfs at a destination wins. A volume stays the other
// container's: this one uses it (volume rm sees both) but never removes it.
import type {ContainerStore} from '../../storage/ContainerStore';
import {mustLookup, readSpec} from '../lifecycle/containers';
import {TspodError} from '../errors';
import type {ResolvedMount} from './spec';

/** What tspod mounts on its own: never taken over from another container. */
const OWN = /^\/(etc\/(hosts|hostname|resolv\.conf|passwd|group)|run\/\.containerenv|dev(\/|$)|proc(\/|$)|sys(\/|$))/;

export function parseVolumesFrom(spec: string): {container: string, mode?: `ro` | `rw`} {
  const [container, opts, extra] = spec.split(`:`);
  if (!container || extra !== undefined || (opts !== undefined && opts !== `ro` && opts !== `rw` && opts !== `z` && opts !== `Z`))
    throw new TspodError(`InvalidArgument`, `invalid --volumes-from "${spec}": want CONTAINER[:ro|rw]`);
  return opts === `ro` || opts === `rw` ? {container, mode: opts} : {container};
}

/** The mounts to add for each --volumes-from, after the container's own (`taken`), and the volumes they use. */
export async function mountsFrom(cs: ContainerStore, specs: ReadonlyArray<string>, taken: ReadonlyArray<ResolvedMount>): Promise<{mounts: Array<ResolvedMount>, volumes: Array<string>}> {
  const mounts: Array<ResolvedMount> = [], volumes: Array<string> = [];
  const seen = new Set(taken.map(m => m.destination));
  for (const s of specs) {
    const {container, mode} = parseVolumesFrom(s);
    const other = await mustLookup(cs, container);
    const used = new Set((other.metadata as {volumes?: Array<string>}).volumes ?? []);
    for (const m of readSpec(cs, other.id).mounts ?? []) {
      const bind = m.type === `bind` || (m.options ?? []).some(o => o === `bind` || o === `rbind`);
      if (!bind || OWN.test(m.destination) || seen.has(m.destination)) continue;
      seen.add(m.destination);
      const name = /\/volumes\/([^/]+)\/_data$/.exec(m.source ?? ``)?.[1];
      const isVolume = name !== undefined && used.has(name);
      if (isVolume) volumes.push(name!);
      const readonly = mode === undefined ? (m.options ?? []).includes(`ro`) : mode === `ro`;
      const options = (m.options ?? []).filter(o => o !== `ro` && o !== `rw` && o !== `bind` && o !== `rbind`);
      mounts.push({kind: isVolume ? `volume` : `bind`, source: m.source ?? ``, destination: m.destination, readonly, options});
    }
  }
  return {mounts, volumes};
}

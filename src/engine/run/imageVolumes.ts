// The image's VOLUMEs (Config.Volumes), as podman treats them with --image-volume:
// `bind` (the default) gives each path not already a mount of the user's an anonymous
// volume that gets the image's content there on first use; `tmpfs` a tmpfs; `ignore`
// nothing (writes then go to the container's own layer).
import {posix} from 'node:path';
import {TspodError} from '../errors';

export type ImageVolumeMode = `bind` | `tmpfs` | `ignore`;

export function parseImageVolumeMode(v: string | undefined): ImageVolumeMode {
  if (v === undefined || v === `bind` || v === `tmpfs` || v === `ignore`) return v ?? `bind`;
  throw new TspodError(`InvalidArgument`, `invalid --image-volume "${v}": want bind, tmpfs or ignore`);
}

/** The image's volume paths, cleaned, that no -v/--mount/--tmpfs already has as its destination (podman's rule). */
export function uncoveredImageVolumes(volumes: Readonly<Record<string, unknown>> | undefined, mounts: ReadonlyArray<{destination: string}>): Array<string> {
  const taken = new Set(mounts.map(m => posix.resolve(`/`, m.destination)));
  const out: Array<string> = [];
  for (const p of Object.keys(volumes ?? {})) {
    const dest = posix.resolve(`/`, p);
    if (dest === `/` || taken.has(dest)) continue;
    taken.add(dest);
    out.push(dest);
  }
  return out.sort();
}

/** Number of path components: parents are mounted before what lies in them (podman sorts mounts so). */
export function depth(destination: string): number {
  return destination.split(`/`).filter(Boolean).length;
}

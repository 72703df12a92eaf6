// Finding a local image the way podman's libimage does: a full name, a name made
// full by docker's rules, an ID or unique ID prefix, a manifest digest, and last a
// short name matched against every registry (`busybox` finds
// `127.0.0.1:5000/library/busybox:latest`). Also the name normalization of `tag`.
import {TspodError} from '../engine/errors';
import {findImage} from '../storage/ImageStore';
import type {Image} from '../storage/ImageStore';
import {transportOf} from '../oci/transport';
import {formatReference, parseReference, repositoryName, shortNameParts, withDefaultTag} from '../oci/reference';

export interface Found {
  image: Image;
  /** The stored name the input matched, when it matched a name (not an id). */
  name?: string;
}

function tryParse(input: string) {
  try {
    return parseReference(input);
  } catch {
    return undefined;
  }
}

export function lookupLocal(images: ReadonlyArray<Image>, input: string): Found | undefined {
  // A transport names where to copy an image from, never a stored image (as in podman).
  const transport = transportOf(input);
  if (transport !== undefined)
    throw new TspodError(`InvalidArgument`, `unsupported transport "${transport}" for looking up local images: ${input}`, {hint: `name the stored image without the transport (tspod images lists them)`});
  const exact = images.find(i => i.names.includes(input));
  if (exact) return {image: exact, name: input};
  const ref = tryParse(input);
  if (ref) {
    const full = formatReference(withDefaultTag(ref));
    const byFull = images.find(i => i.names.includes(full));
    if (byFull) return {image: byFull, name: full};
    if (ref.short) {
      const parts = shortNameParts(input);
      const local = `localhost/${parts.name}${parts.digest ? `@${parts.digest}` : `:${parts.tag ?? `latest`}`}`;
      const byLocal = images.find(i => i.names.includes(local));
      if (byLocal) return {image: byLocal, name: local};
      const matches: Array<Found> = [];
      for (const image of images) {
        for (const name of image.names) {
          const n = tryParse(name);
          if (!n) continue;
          const path = repositoryName(n);
          if (!(path.endsWith(`/${parts.name}`) || path.endsWith(`/library/${parts.name}`))) continue;
          if (parts.digest ? n.digest === parts.digest : n.tag === (parts.tag ?? `latest`)) matches.push({image, name});
        }
      }
      const ids = new Set(matches.map(m => m.image.id));
      if (ids.size === 1) return matches[0];
      if (ids.size > 1)
        throw new TspodError(`InvalidArgument`, `short name "${input}" matches ${ids.size} images: ${matches.map(m => m.name).join(`, `)}`, {hint: `use the full name`});
    }
  }
  if (/^(sha256:)?[0-9a-f]{3,64}$/.test(input)) {
    const image = findImage(images, input);
    if (image) return {image};
  }
  return undefined;
}

export function mustLookup(images: ReadonlyArray<Image>, input: string): Found {
  const f = lookupLocal(images, input);
  if (!f) throw new TspodError(`NoSuchImage`, `${input}: image not known`);
  return f;
}

/** podman's NormalizeName for tag/untag: short names go under localhost/, a missing tag is latest. */
export function normalizeName(input: string): string {
  const ref = parseReference(input);
  if (ref.digest !== undefined && ref.tag === undefined)
    throw new TspodError(`InvalidArgument`, `${input}: a name with a digest cannot be used as a tag`, {hint: `give a tag, e.g. name:v1`});
  if (ref.short) {
    const parts = shortNameParts(input);
    return `localhost/${parts.name}:${parts.tag ?? `latest`}`;
  }
  return formatReference(withDefaultTag({...ref, digest: undefined}));
}

// A path inside a container, resolved as the container sees it through its stacked layers
// (topmost first): each symbolic link on the way is followed within the container's root,
// as chroot would (an absolute target starts again at the root, `..` stops at it), so
// `cp f ctr:/lib/` of a merged-/usr image lands in /usr/lib, not over the /lib link.
import {lstatSync, readlinkSync} from 'node:fs';
import type {Stats} from 'node:fs';
import {join} from 'node:path';

/** Links followed before giving up (the kernel's limit). */
const MAX_LINKS = 40;

/** The entry `rel` (every component a directory on the way) in the topmost layer that has it; a whiteout hides it. */
function topEntry(layers: ReadonlyArray<string>, rel: string): {st: Stats, path: string} | undefined {
  for (const layer of layers) {
    const path = join(layer, rel);
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      continue; // not in this layer (or not readable by the host user: the layers below decide)
    }
    if (st.isCharacterDevice() && st.rdev === 0) return undefined; // an overlay whiteout
    return {st, path};
  }
  return undefined;
}

/**
 * `rel` (relative to the root, no leading slash) with its links followed, `followLast`
 * deciding the final component's. Missing components are kept as they are.
 */
export function resolveInLayers(layers: ReadonlyArray<string>, rel: string, followLast = true): string {
  const out: Array<string> = [];
  const todo = rel.split(`/`);
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === `` || part === `.`) continue;
    if (part === `..`) {
      out.pop();
      continue;
    }
    const candidate = [...out, part].join(`/`);
    const hit = topEntry(layers, candidate);
    const last = todo.every(p => p === `` || p === `.`);
    if (hit?.st.isSymbolicLink() && (followLast || !last)) {
      if (++links > MAX_LINKS) throw Object.assign(new Error(`${rel}: too many levels of symbolic links`), {code: `ELOOP`});
      const target = readlinkSync(hit.path);
      if (target.startsWith(`/`)) out.length = 0;
      todo.unshift(...target.split(`/`));
      continue;
    }
    out.push(part);
  }
  return out.join(`/`);
}

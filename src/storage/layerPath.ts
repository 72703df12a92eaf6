// A path inside a container, resolved as the container sees it through its stacked layers
// (topmost first): each symbolic link on the way is followed within the container's root,
// as chroot would (an absolute target starts again at the root, `..` stops at it), so
// `cp f ctr:/lib/` of a merged-/usr image lands in /usr/lib, not over the /lib link.
import {lstatSync, readlinkSync} from 'node:fs';
import type {Stats} from 'node:fs';
import {join} from 'node:path';

/** Links followed before giving up (the kernel's limit). */
const MAX_LINKS = 40;

/**
 * lstat of `rel` below `root`, never following a link: undefined when a component is
 * missing or is not a directory on the way (in a lower layer, a link there could point
 * anywhere on the host).
 */
export function lstatInside(root: string, rel: string): Stats | undefined {
  const parts = rel.split(`/`);
  let cur = root;
  for (let i = 0; i < parts.length; i++) {
    cur = join(cur, parts[i]!);
    let st: Stats;
    try {
      st = lstatSync(cur);
    } catch {
      return undefined;
    }
    if (i === parts.length - 1) return st;
    if (!st.isDirectory()) return undefined;
  }
  return undefined;
}

/** The entry `rel` in the topmost layer that has it (walked without following links); a whiteout hides it. */
function topEntry(layers: ReadonlyArray<string>, rel: string): {st: Stats, path: string} | undefined {
  for (const layer of layers) {
    const st = lstatInside(layer, rel);
    if (st === undefined) continue; // not in this layer (or not readable by the host user: the layers below decide)
    if (st.isCharacterDevice() && st.rdev === 0) return undefined; // an overlay whiteout
    return {st, path: join(layer, rel)};
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

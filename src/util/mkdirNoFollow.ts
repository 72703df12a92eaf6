// mkdir -p under a root that a container or an archive controls: each component that
// exists must be a real directory, never a symbolic link (it could point at the host).
import {lstatSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';

/**
 * Creates `rel` below `root` one component at a time and returns its path. Throws an
 * Error with code ELOOP when a component is a symbolic link, ENOTDIR when it is
 * something else. `rel` must not contain `..` (the callers check).
 */
export function mkdirNoFollow(root: string, rel: string): string {
  let cur = root;
  for (const part of rel.split(`/`).filter(p => p !== `` && p !== `.`)) {
    cur = join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      mkdirSync(cur, {mode: 0o755});
      continue;
    }
    if (st.isSymbolicLink()) throw Object.assign(new Error(`${rel}: a symbolic link is in the way`), {code: `ELOOP`});
    if (!st.isDirectory()) throw Object.assign(new Error(`${rel}: not a directory`), {code: `ENOTDIR`});
  }
  return cur;
}

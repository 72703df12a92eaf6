// mkdir -p under a root that a container or an archive controls: each component that
// exists must be a real directory, never a symbolic link (it could point at the host).
import {lstatSync, mkdirSync} from 'node:fs';
import {join} from 'node:path';

/**
 * Creates `rel` below `root` one component at a time and returns its path. Throws an
 * Error with code ELOOP when a component is a symbolic link, ENOTDIR when it is
 * something else. `rel` must not contain `..` (the callers check). `made` is told of each
 * directory created (its path, and its path relative to root).
 */
export function mkdirNoFollow(root: string, rel: string, made?: (dir: string, relDir: string) => void): string {
  let cur = root;
  const parts = rel.split(`/`).filter(p => p !== `` && p !== `.`);
  for (let i = 0; i < parts.length; i++) {
    cur = join(cur, parts[i]!);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      mkdirSync(cur, {mode: 0o755});
      made?.(cur, parts.slice(0, i + 1).join(`/`));
      continue;
    }
    if (st.isSymbolicLink()) throw Object.assign(new Error(`${rel}: a symbolic link is in the way`), {code: `ELOOP`});
    if (!st.isDirectory()) throw Object.assign(new Error(`${rel}: not a directory`), {code: `ENOTDIR`});
  }
  return cur;
}

// Work directories of verbs in the graph root (`.cp-PID-XXXXXX`: a tar on its way into a
// container, an archive being built, a layer being packed). Each is named by its process,
// so the next command that opens the store removes those a killed tspod left (they can be
// as large as an image) and never one a live command is using.
import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import {mkdtemp} from '../util/fsp';
import {pidAlive} from './BlobStore';

const WORK_DIR = /^\.[a-z][a-z-]*-(\d+)-[A-Za-z0-9]{6}$/;

/** A new work directory for `verb` (a short lower-case word) in the graph root. */
export function makeWorkDir(graphRoot: string, verb: string): Promise<string> {
  return mkdtemp(join(graphRoot, `.${verb}-${process.pid}-`));
}

/** Work directories whose process is gone. */
export function staleWorkDirs(graphRoot: string): Array<string> {
  let names: Array<string>;
  try {
    names = readdirSync(graphRoot);
  } catch {
    return [];
  }
  return names.filter(n => {
    const pid = Number(WORK_DIR.exec(n)?.[1]);
    return pid > 0 && pid !== process.pid && !pidAlive(pid);
  }).map(n => join(graphRoot, n));
}

// Whether a process still runs: a zombie does not (the test runner may be the subreaper
// that has not reaped an orphaned monitor yet).
import {readFileSync} from 'node:fs';

export function procAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, `utf8`).split(`) `)[1]![0] !== `Z`;
  } catch {
    return false;
  }
}

// --pidfile: the container's pid, in a file of the user's choosing, for as long as the
// container exists (podman writes it when the container starts and removes it with
// the container).
import {existsSync, readFileSync, unlinkSync, writeFileSync} from 'node:fs';

export function writePidfile(path: string, pid: number): void {
  writeFileSync(path, `${pid}\n`);
}

export function removePidfile(path: unknown): void {
  if (typeof path !== `string`) return;
  try {
    unlinkSync(path);
  } catch {}
}

/** A foreground run: copies the pid once the helper has written the container's own pid file. */
export async function copyPidWhenStarted(containerPidFile: string, path: string, signal: {done: boolean}): Promise<void> {
  for (let i = 0; i < 1200 && !signal.done; i++) {
    if (existsSync(containerPidFile)) {
      const pid = Number(readFileSync(containerPidFile, `utf8`).trim());
      if (pid > 0) {
        writePidfile(path, pid);
        return;
      }
    }
    await new Promise(r => setTimeout(r, 25));
  }
}

// Shared by the tspod-helper tests: subordinate ids of the current user, a throwaway
// alpine rootfs unpacked inside `tspod-helper userns` (so owners land on sub-ids),
// and cleanup through the same user namespace (the files are not ours on the host).
import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, statSync} from 'node:fs';
import {tmpdir, userInfo} from 'node:os';
import {join} from 'node:path';
import {HELPER_BIN, SHARED_IMAGES} from '../_helpers/project';

export const ALPINE_TARBALL = join(SHARED_IMAGES, `alpine-minirootfs-3.20.3-x86_64.tar.gz`);

export function subordinateRange(file: `/etc/subuid` | `/etc/subgid`): {start: number, count: number} | undefined {
  const me = userInfo();
  try {
    for (const line of readFileSync(file, `utf8`).split(`\n`)) {
      const [who, start, count] = line.split(`:`);
      if ((who === me.username || who === String(me.uid)) && Number(count) > 0)
        return {start: Number(start), count: Number(count)};
    }
  } catch {}
  return undefined;
}

/** Can this process run the helper's userns mode for real (unprivileged, with a range)? */
export const canUserns = process.getuid!() !== 0
  && existsSync(HELPER_BIN)
  && subordinateRange(`/etc/subuid`) !== undefined
  && spawnSync(HELPER_BIN, [`userns`, `--`, `true`]).status === 0;

export function inUserns(args: Array<string>, opts: {cwd?: string} = {}): string {
  return execFileSync(HELPER_BIN, [`userns`, `--`, ...args], {encoding: `utf8`, ...opts});
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Unpack alpine into DIR/rootfs as root in the user namespace; returns the rootfs path. */
export function unpackAlpine(dir: string): string {
  const rootfs = join(dir, `rootfs`);
  inUserns([`sh`, `-c`, `mkdir -p "$1" && tar -xzf "$2" -C "$1"`, `sh`, rootfs, ALPINE_TARBALL]);
  return rootfs;
}

/** Remove a tree that holds sub-id owned files. */
export function removeTree(dir: string): void {
  try {
    if (statSync(dir)) inUserns([`rm`, `-rf`, dir]);
  } catch {}
}

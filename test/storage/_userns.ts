// Test harness for code that runs in a user namespace as the unprivileged test
// user: as root, it drops to `tspod-tester` with setpriv; as that user (npm test),
// it runs directly. Layer directories live in a scratch dir the user owns.
import {execFileSync} from 'node:child_process';
import {chownSync, existsSync, mkdtempSync, readFileSync, rmSync, chmodSync} from 'node:fs';
import {join} from 'node:path';
import {PROJECT_DIR, HELPER_BIN} from '../_helpers/project';
import type {UsernsLauncher} from '../../src/storage/WorkerClient';

export const WORKER_SCRIPT = join(PROJECT_DIR, `dist/apply-worker.js`);
export const TEST_USER = `tspod-tester`;

export interface Tester {
  uid: number;
  gid: number;
  name: string;
  /** First host id of the subordinate range (container id 1). */
  subStart: number;
  subCount: number;
  launcher: UsernsLauncher;
}

function passwd(name: string): {uid: number, gid: number} | undefined {
  for (const line of readFileSync(`/etc/passwd`, `utf8`).split(`\n`)) {
    const f = line.split(`:`);
    if (f[0] === name) return {uid: Number(f[2]), gid: Number(f[3])};
  }
  return undefined;
}

export function tester(): Tester {
  const root = process.getuid!() === 0;
  if (root && (!passwd(TEST_USER) || !readFileSync(`/etc/subuid`, `utf8`).includes(`${TEST_USER}:`)))
    execFileSync(process.execPath, [`-e`, `import('${join(PROJECT_DIR, `test/_harness/testUser.mjs`)}').then(m => m.ensureTestUser())`], {stdio: `inherit`});
  const name = root ? TEST_USER : (execFileSync(`id`, [`-un`]).toString().trim());
  const pw = root ? passwd(TEST_USER)! : {uid: process.getuid!(), gid: process.getgid!()};
  const line = readFileSync(`/etc/subuid`, `utf8`).split(`\n`).find(l => l.startsWith(`${name}:`));
  const [, start, count] = (line ?? `x:0:0`).split(`:`);
  return {
    uid: pw.uid,
    gid: pw.gid,
    name,
    subStart: Number(start),
    subCount: Number(count),
    launcher: {
      ...(existsSync(HELPER_BIN) ? {helperPath: HELPER_BIN} : {}),
      ...(root ? {prefix: [`setpriv`, `--reuid=${pw.uid}`, `--regid=${pw.gid}`, `--init-groups`, `--`]} : {}),
    },
  };
}

/** A scratch directory the test user owns (under /var/tmp, which it can reach). */
export function scratch(t: Tester, tag: string): string {
  const d = mkdtempSync(join(`/var/tmp`, `tspod-${tag}-`));
  chmodSync(d, 0o755);
  if (process.getuid!() === 0) chownSync(d, t.uid, t.gid);
  return d;
}

/** Removes a scratch dir holding files of subordinate ids (root can; the user needs the userns). */
export function cleanup(t: Tester, dir: string): void {
  if (process.getuid!() === 0) {
    rmSync(dir, {recursive: true, force: true});
    return;
  }
  const l = t.launcher;
  const argv = l.helperPath ? [l.helperPath, `userns`, `--`, `rm`, `-rf`, dir] : [`unshare`, `--map-auto`, `--map-root-user`, `--`, `rm`, `-rf`, dir];
  try {
    execFileSync(argv[0]!, argv.slice(1));
  } catch {}
}

/** Host id of container id n. */
export function hostId(t: Tester, n: number): number {
  return n === 0 ? t.uid : t.subStart + n - 1;
}

/**
 * How Store/driver tests run layer work and mounts: rootless (the test user's
 * user namespace via the helper) when not root; as root, rootful, directly, in a
 * private mount namespace so no mount can leak onto the host.
 */
export function storeLauncher(): UsernsLauncher {
  if (process.getuid!() === 0) return {direct: true, prefix: [`unshare`, `--mount`, `--propagation`, `private`, `--`]};
  return existsSync(HELPER_BIN) ? {helperPath: HELPER_BIN} : {};
}

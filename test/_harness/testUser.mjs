// Creates, once, the unprivileged user the suite runs as, with subordinate ids.
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';

export const TEST_USER = 'tspod-tester';

function lookup(name) {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return {uid: Number(f[2]), gid: Number(f[3])};
  }
  return undefined;
}

function hasRange(file, name) {
  try {
    return readFileSync(file, 'utf8').split('\n').some(l => l.split(':')[0] === name);
  } catch {
    return false;
  }
}

export function ensureTestUser() {
  let user = lookup(TEST_USER);
  if (!user) {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', TEST_USER], {stdio: 'inherit'});
    user = lookup(TEST_USER);
  }
  // 65536 ids, the usual size: tests rely on owners >= 65536 falling outside it.
  if (!hasRange('/etc/subuid', TEST_USER))
    execFileSync('usermod', ['--add-subuids', '200000-265535', TEST_USER], {stdio: 'inherit'});
  if (!hasRange('/etc/subgid', TEST_USER))
    execFileSync('usermod', ['--add-subgids', '200000-265535', TEST_USER], {stdio: 'inherit'});
  return user;
}

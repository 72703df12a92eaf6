#!/usr/bin/env node
// `npm run demo`: the first container on a machine with no internet. Starts the test
// registry (seeded from ../shared/images) on 127.0.0.1, points a throwaway
// registries.conf at it (the short name `alpine` → that registry, marked insecure
// because it speaks plain http), and runs
//   tspod run --rm alpine cat /etc/alpine-release
// as an unprivileged user: $SUDO_USER, or the test user when run as plain root.
import {spawnSync} from 'node:child_process';
import {chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync} from 'node:fs';
import {join} from 'node:path';
import {ensureTestUser, TEST_USER} from '../test/_harness/testUser.mjs';
import {startSeededRegistry} from '../test/_harness/registry.mjs';

const project = new URL('..', import.meta.url).pathname;
const tspod = spawnSync('sh', ['-c', 'command -v tspod'], {encoding: 'utf8'}).stdout.trim() || join(project, 'dist/tspod.js');
const imagesDir = process.env.TSPOD_SHARED_IMAGES || join(project, '../shared/images');

function lookupUser(name) {
  const r = spawnSync('id', ['-u', name], {encoding: 'utf8'});
  const g = spawnSync('id', ['-g', name], {encoding: 'utf8'});
  return r.status === 0 ? {name, uid: Number(r.stdout), gid: Number(g.stdout)} : undefined;
}

let user;
if (process.getuid() === 0) {
  user = (process.env.SUDO_USER && process.env.SUDO_USER !== 'root') ? lookupUser(process.env.SUDO_USER) : undefined;
  if (!user) user = {name: TEST_USER, ...ensureTestUser()};
} else {
  user = {name: process.env.USER, uid: process.getuid(), gid: process.getgid()};
}

const registry = await startSeededRegistry({imagesDir});
const home = mkdtempSync('/tmp/tspod-demo-');
const confDir = join(home, '.config/containers');
mkdirSync(confDir, {recursive: true});
writeFileSync(join(confDir, 'registries.conf'), [
  `unqualified-search-registries = ["${registry.address}"]`,
  `[aliases]`,
  `"alpine" = "${registry.address}/library/alpine"`,
  `"busybox" = "${registry.address}/library/busybox"`,
  `[[registry]]`,
  `location = "${registry.address}"`,
  `insecure = true`,
  ``,
].join('\n'));
const runtimeDir = `/tmp/tspod-demo-run-${user.uid}`;
mkdirSync(runtimeDir, {recursive: true, mode: 0o700});
if (process.getuid() === 0) {
  spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, home, runtimeDir]);
  chmodSync(home, 0o755);
}

const cmd = ['run', '--rm', 'alpine', 'cat', '/etc/alpine-release'];
console.log(`$ tspod ${cmd.join(' ')}    (as ${user.name}, registry ${registry.address})`);
const env = [`HOME=${home}`, `XDG_CONFIG_HOME=${join(home, '.config')}`, `XDG_DATA_HOME=${join(home, '.local/share')}`,
  `XDG_RUNTIME_DIR=${runtimeDir}`, `PATH=${process.env.PATH}`, `USER=${user.name}`];
const argv = process.getuid() === 0
  ? ['setpriv', '--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', 'env', ...env, process.execPath, tspod, ...cmd]
  : ['env', ...env, process.execPath, tspod, ...cmd];
const r = spawnSync(argv[0], argv.slice(1), {stdio: 'inherit'});
// The store under the demo home holds files of subordinate ids: remove it in the user namespace.
spawnSync(argv[0], [...argv.slice(1, argv.indexOf(process.execPath)), process.execPath, tspod, 'system', 'reset', '-f'], {stdio: 'ignore'});
await registry.stop();
rmSync(home, {recursive: true, force: true});
rmSync(runtimeDir, {recursive: true, force: true});
process.exit(r.status ?? 1);

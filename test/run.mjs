#!/usr/bin/env node
// The README's test command. As root (CI), it stages the built project where an
// unprivileged user can read it, creates that user once (with subordinate ids) and
// runs the rest of the suite as them: rootless behaviour is only tested rootless.
// As that user, it starts the seeded local registry, runs ava (TAP) and prints one
// closing line, `N passed, N failed, N skipped`; with CI=true a skip is a failure.
import {spawn, spawnSync, execFileSync} from 'node:child_process';
import {cpSync, mkdtempSync, mkdirSync, chmodSync, chownSync, existsSync, rmSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {ensureTestUser, TEST_USER} from './_harness/testUser.mjs';
import {startSeededRegistry} from './_harness/registry.mjs';
import {buildGuest, runGuestStage, GUEST_TEST_DIR} from './_harness/vm.mjs';

const projectDir = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const args = process.argv.slice(2);

if (!existsSync(join(projectDir, 'dist/tspod.js')) || !existsSync(join(projectDir, 'helpers/tspod-helper'))) {
  console.error('test: build first (npm run build), or run ./install.sh');
  process.exit(2);
}

if (process.getuid() === 0 && !process.env.TSPOD_TEST_AS_ROOT) {
  const user = ensureTestUser();
  const stage = mkdtempSync('/var/tmp/tspod-test-');
  chmodSync(stage, 0o755);
  for (const part of ['package.json', 'dist', 'helpers', 'src', 'test', 'node_modules'])
    cpSync(join(projectDir, part), join(stage, part), {recursive: true, dereference: false, verbatimSymlinks: true});
  // The images the registry is seeded from: shared/ beside the clone may sit where the
  // test user cannot enter (a root-only temp dir), so they travel with the stage.
  const sharedImages = process.env.TSPOD_SHARED_IMAGES || join(projectDir, '../shared/images');
  if (!existsSync(sharedImages)) {
    console.error(`test: the shared images are not at ${sharedImages}: set TSPOD_SHARED_IMAGES`);
    process.exit(2);
  }
  cpSync(sharedImages, join(stage, 'shared-images'), {recursive: true, dereference: true});
  chmodSync(join(stage, 'shared-images'), 0o755);
  // The images the registry is seeded from (shared/ beside the clone).
  const home = mkdtempSync('/var/tmp/tspod-test-home-');
  chownSync(home, user.uid, user.gid);
  chmodSync(home, 0o700);
  const runtimeDir = `/run/user/${user.uid}`;
  mkdirSync(runtimeDir, {recursive: true});
  chownSync(runtimeDir, user.uid, user.gid);
  chmodSync(runtimeDir, 0o700);
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    USER: TEST_USER,
    LOGNAME: TEST_USER,
    XDG_RUNTIME_DIR: runtimeDir,
    TMPDIR: home,
    TSPOD_SHARED_IMAGES: join(stage, 'shared-images'),
    TSPOD_TEST_VM: '0', // the guest stage is this (root) process's part
    ...(process.env.CI ? {CI: process.env.CI} : {}),
    ...(process.env.TSPOD_TEST_VERBOSE ? {TSPOD_TEST_VERBOSE: '1'} : {}),
  };
  const hostArgs = args.filter(a => !a.includes('test/guest/'));
  const guestArgs = args.filter(a => a.includes('test/guest/'));
  // The cgroup v2 + systemd guest stage (test/_harness/vm.mjs) is part of the full suite
  // (TSPOD_TEST_VM=0 leaves it out; with CI=true that counts as a skip, so a failure);
  // naming guest files runs only those, naming host files only those.
  const wantVm = guestArgs.length > 0 || (hostArgs.length === 0 && process.env.TSPOD_TEST_VM !== '0');
  const vmOptOut = hostArgs.length === 0 && guestArgs.length === 0 && !wantVm;
  // The guest image (minutes, once; cached in /var/tmp) builds while the host tests run.
  const guestBuild = wantVm ? buildGuest(join(projectDir, 'test/vm')).catch(err => err) : null;
  // The host part prints its own `N passed, N failed, N skipped`; it is held back and
  // merged with the guest stage's counts into the one closing line.
  const host = hostArgs.length === 0 && guestArgs.length > 0 ? {status: 0, counts: null} : await new Promise(resolve => {
    const child = spawn('setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', '--reset-env', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, join(stage, 'test/run.mjs'), ...hostArgs], {stdio: ['inherit', 'pipe', 'inherit'], cwd: stage});
    let counts = null, buf = '';
    child.stdout.on('data', chunk => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl + 1);
        buf = buf.slice(nl + 1);
        const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(line.trim());
        if (m) counts = m.slice(1).map(Number);
        else process.stdout.write(line);
      }
    });
    child.on('close', code => { if (buf) process.stdout.write(buf); resolve({status: code ?? 1, counts}); });
  });
  // The tester's stores hold files owned by its subordinate ids: only root removes them all.
  rmSync(stage, {recursive: true, force: true});
  rmSync(home, {recursive: true, force: true});
  // ---- VM stage (test/_harness/vm.mjs): the cgroup v2 + systemd test files, in a guest.
  await guestBuild; // a failed build is reported by runGuestStage
  const vm = !wantVm
    ? {passed: 0, failed: 0, skipped: vmOptOut ? 1 : 0}
    : await runGuestStage({projectDir, files: guestArgs, imagesDir: sharedImages});
  if (vmOptOut) console.log('# vm: the guest stage was left out (TSPOD_TEST_VM=0)');
  const [hp, hf, hs] = host.counts ?? [0, host.status === 0 ? 0 : 1, 0];
  const vmSkipFails = process.env.CI ? vm.skipped : 0;
  const failed = hf + vm.failed + vmSkipFails;
  console.log(`${hp + vm.passed} passed, ${failed} failed, ${hs + vm.skipped} skipped`);
  process.exit(host.status === 0 && failed === 0 && hp + vm.passed > 0 ? 0 : 1);
}

// Not root: no guest can boot, so the full suite has its guest stage skipped.
const guestSkipped = args.length === 0 && process.env.TSPOD_TEST_VM !== '0' ? 1 : 0;
if (guestSkipped) console.log('# vm: the guest stage (cgroup v2 + systemd) is skipped: booting the guest needs root');
const registry = await startSeededRegistry({imagesDir: process.env.TSPOD_SHARED_IMAGES || join(projectDir, '../shared/images')});
let exitCode = 1;
try {
  exitCode = await runAva(args, guestSkipped);
} finally {
  await registry.stop();
}
process.exit(exitCode);

async function runAva(files, extraSkipped = 0) {
  const env = {...process.env, TSPOD_TEST_REGISTRY: registry.address, TSPOD_TEST_PROJECT: projectDir};
  const ava = join(projectDir, 'node_modules/ava/entrypoints/cli.mjs');
  // dist/test/guest/** runs only in the VM stage (test/_harness/vm.mjs).
  const patterns = files.length > 0 ? files : ['dist/test/**/*.test.js', `!${GUEST_TEST_DIR}/**`];
  const child = spawn(process.execPath, [ava, '--tap', '--timeout=5m', ...patterns], {cwd: projectDir, env, stdio: ['ignore', 'pipe', 'inherit']});
  let passed = 0, failed = 0, skipped = 0, todo = 0, buf = '';
  child.stdout.on('data', chunk => {
    process.stdout.write(chunk);
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (/^ok \d+ .*# SKIP/i.test(line)) skipped++;
      else if (/^not ok \d+ .*# TODO/i.test(line)) todo++;
      else if (/^ok \d+/.test(line)) passed++;
      else if (/^not ok \d+/.test(line)) failed++;
    }
  });
  const code = await new Promise(resolve => child.on('close', c => resolve(c ?? 1)));
  skipped += extraSkipped;
  const ci = Boolean(process.env.CI);
  const skipFails = ci && (skipped + todo) > 0;
  if (skipFails) console.log(`# with CI=true, ${skipped + todo} skipped or todo test(s) count as failures`);
  const total = failed + (skipFails ? skipped + todo : 0);
  console.log(`${passed} passed, ${total} failed, ${skipped} skipped`);
  if (passed === 0) return 1;
  return code === 0 && total === 0 ? 0 : 1;
}

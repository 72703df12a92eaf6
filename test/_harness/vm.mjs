// The guest stage of `npm test`: cgroup v2 + systemd behaviour cannot be tested on a
// cgroup v1 host, so the test files under dist/test/guest/ run in a small Debian guest
// (test/vm/build-guest.sh, run-in-guest.sh: systemd as PID 1, pure cgroup v2, a lingering
// uid 1001 whose user@1001.service delegates cpu cpuset io memory pids). One boot per run.
//
// buildGuest() (as root) builds the guest image once, niced, with its own timeout (cached in
// /var/tmp, keyed by the build script and its package list; test/run.mjs starts it before
// the host tests so that it builds beside them). runGuestStage() packs the built project
// (and test/vm/sd-notify.c, built static) into a tarball on a 9p share, shares this host's
// node binary read-only (the guest's Debian node is 18), boots, runs test/vm/guest-run.sh
// (its root part installs the systemd user generator, then the test files run side by side
// as uid 1001 in a login session) and counts its TAP lines. Returns {passed, failed,
// skipped, seconds}; a guest that never reports, or stops early, counts as a failure.
import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, join, relative} from 'node:path';

export const GUEST_TEST_DIR = 'dist/test/guest';
const EXTRA_PACKAGES = 'slirp4netns,passt';
/** Building the guest image (debootstrap from the Debian mirror): about 3 min, 10 on a busy disk. */
const BUILD_TIMEOUT_S = Number(process.env.TSPOD_VM_BUILD_TIMEOUT ?? 1500);
/** Booting the guest and running the test files in it (about 1 + 5 min). */
const STAGE_TIMEOUT_S = Number(process.env.TSPOD_VM_TIMEOUT ?? 1500);

function log(msg) {
  console.log(`# vm: ${msg}`);
}

export function guestTestFiles(projectDir, requested = []) {
  const all = [];
  const walk = d => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d, {withFileTypes: true})) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else if (n.name.endsWith('.test.js')) all.push(relative(projectDir, p));
    }
  };
  walk(join(projectDir, GUEST_TEST_DIR));
  if (requested.length === 0) return all.sort();
  return all.filter(f => requested.some(r => f === r || f.endsWith(r) || r.endsWith(f)));
}

export function guestCacheDir(vmDir) {
  const key = createHash('sha256').update(readFileSync(join(vmDir, 'build-guest.sh'))).update(EXTRA_PACKAGES).digest('hex').slice(0, 12);
  const base = existsSync('/var/tmp') ? '/var/tmp' : '/tmp';
  return process.env.LAB_VM_CACHE || join(base, `tspod-vm-${key}`);
}

/** Runs a command in a process group of its own; past `timeoutS` the whole group is killed. */
function run(cmd, args, opts) {
  return new Promise(resolve => {
    const child = spawn(cmd, args, {...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe']});
    let out = '', timedOut = false;
    const kill = sig => { try { process.kill(-child.pid, sig); } catch {} };
    const timer = opts.timeoutS ? setTimeout(() => {
      timedOut = true;
      kill('SIGTERM');
      setTimeout(() => kill('SIGKILL'), 10_000).unref();
    }, opts.timeoutS * 1000) : undefined;
    const onData = (stream, chunk) => {
      out += chunk;
      if (opts.echo) stream.write(chunk);
    };
    child.stdout.on('data', c => onData(process.stdout, c));
    child.stderr.on('data', c => onData(process.stderr, c));
    child.on('close', code => {
      clearTimeout(timer);
      resolve({code: timedOut ? 124 : code ?? 1, out, timedOut});
    });
  });
}

let building = null;
/** Builds the guest once per process (memoized): run.mjs starts it early, beside the host tests. */
export function buildGuest(vmDir) {
  building ??= doBuildGuest(vmDir);
  return building;
}

async function doBuildGuest(vmDir) {
  const cache = guestCacheDir(vmDir);
  if (['guest.img', 'vmlinuz', 'initrd.img'].every(f => existsSync(join(cache, f)))) return cache;
  if (process.getuid() !== 0) throw new Error('building the guest needs root');
  log(`building the guest in ${cache} (once; 3-10 minutes), beside the host tests`);
  const t0 = Date.now();
  // Niced: it runs beside the host tests, whose timings matter more.
  const r = await run('nice', ['-n', '10', join(vmDir, 'build-guest.sh')], {env: {...process.env, LAB_VM_CACHE: cache, EXTRA_PACKAGES}, echo: false, timeoutS: BUILD_TIMEOUT_S});
  if (r.code !== 0) throw new Error(`guest build ${r.timedOut ? `timed out after ${BUILD_TIMEOUT_S}s` : 'failed'}:\n${r.out.split('\n').slice(-30).join('\n')}`);
  log(`${r.out.trim().split('\n').pop()} (${Math.round((Date.now() - t0) / 1000)}s)`);
  return cache;
}

/**
 * Tarball of what the guest needs: built CLI, helper, test bundles, runtime node_modules,
 * images, and test-bin/sd-notify (test/vm/sd-notify.c, static: it runs inside containers).
 */
function packProject(projectDir, share, imagesDir) {
  const skip = ['typescript', 'esbuild', '@esbuild', '@types'].map(m => `--exclude=./node_modules/${m}`);
  const stage = mkdtempSync(join(share, 'stage-'));
  try {
    // images next to the project, as guest-run.sh's registry serves them
    cpSync(imagesDir, join(stage, 'images'), {recursive: true});
    mkdirSync(join(stage, 'test-bin'));
    const cc = spawnSync('cc', ['-static', '-O2', '-Wall', '-o', join(stage, 'test-bin/sd-notify'), join(projectDir, 'test/vm/sd-notify.c')], {encoding: 'utf8'});
    if (cc.status !== 0) throw new Error(`build test/vm/sd-notify.c (needs gcc and libc6-dev, see install.sh): ${cc.stderr ?? cc.error}`);
    const r = spawnSync('tar', ['-C', projectDir, '-czf', join(share, 'project.tgz'), ...skip,
      './package.json', './dist', './helpers/tspod-helper', './test/_harness', './contrib', './node_modules', '-C', stage, './images', './test-bin'], {encoding: 'utf8'});
    if (r.status !== 0) throw new Error(`pack the project: ${r.stderr}`);
  } finally {
    rmSync(stage, {recursive: true, force: true});
  }
}

/** Node 20 for the guest: a directory holding only this host's node binary (hard link or copy). */
function nodeDir(work) {
  const dir = join(work, 'node');
  mkdirSync(dir);
  try {
    linkSync(process.execPath, join(dir, 'node'));
  } catch {
    cpSync(process.execPath, join(dir, 'node'));
  }
  const ldd = spawnSync('ldd', [process.execPath], {encoding: 'utf8'}).stdout ?? '';
  const odd = ldd.split('\n').filter(l => /=> \//.test(l) && !/\/(usr\/)?lib(64|\/x86_64-linux-gnu)\//.test(l));
  if (odd.length > 0) throw new Error(`node links libraries outside the system lib dirs, which the guest lacks:\n${odd.join('\n')}`);
  return dir;
}

/**
 * Runs the guest test files; `files` are dist-relative paths (empty = all under dist/test/guest).
 * Never throws: a failure to build or boot is reported as one failed test.
 */
export async function runGuestStage({projectDir, files = [], imagesDir}) {
  const t0 = Date.now();
  const vmDir = join(projectDir, 'test/vm');
  const selected = guestTestFiles(projectDir, files);
  const result = {passed: 0, failed: 0, skipped: 0, seconds: 0};
  if (selected.length === 0) return result;
  if (process.getuid() !== 0) {
    log(`skipped (${selected.length} guest file(s)): booting the guest needs root`);
    result.skipped = 1;
    return result;
  }
  const work = mkdtempSync('/var/tmp/tspod-vm-run-');
  try {
    const cache = await buildGuest(vmDir);
    const share = join(work, 'share');
    mkdirSync(share);
    packProject(projectDir, share, imagesDir);
    writeFileSync(join(share, 'files'), `${selected.join('\n')}\n`);
    cpSync(join(vmDir, 'guest-run.sh'), join(share, 'guest-run.sh'));
    if (process.env.CI) writeFileSync(join(share, 'ci'), '');
    if (process.env.TSPOD_TEST_VERBOSE) writeFileSync(join(share, 'verbose'), '');
    chmodSync(work, 0o755);
    chmodSync(share, 0o755);
    const ro = nodeDir(work);
    log(`booting the guest for ${selected.length} file(s): ${selected.join(' ')}`);
    const booted = Date.now();
    const child = spawn(join(vmDir, 'run-in-guest.sh'), ['-f', join(vmDir, 'guest-run.sh')], {
      env: {...process.env, LAB_VM_CACHE: cache, LAB_VM_SHARE: share, LAB_VM_SHARE_RO: ro, LAB_VM_TIMEOUT: String(STAGE_TIMEOUT_S), LAB_VM_AS_ROOT: '1', LAB_VM_MEM: process.env.LAB_VM_MEM ?? '2048'},
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buf = '';
    child.stdout.on('data', chunk => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        // TAP from the guest, with the counts taken here; ava's own totals are dropped.
        if (/^# (tests|pass|fail|skip|todo) \d+$/.test(line) || /^1\.\.\d+$/.test(line)) continue;
        if (/^ok \d+ .*# SKIP/i.test(line)) result.skipped++;
        else if (/^not ok \d+ .*# TODO/i.test(line)) result.skipped++;
        else if (/^ok \d+/.test(line)) result.passed++;
        else if (/^not ok \d+/.test(line)) result.failed++;
        // [guest +SECONDS]: when the test ended, counted from the boot (the files run side by side).
        const at = Math.round((Date.now() - booted) / 1000);
        process.stdout.write(`${/^(not )?ok \d+/.test(line) ? line.replace(/^((?:not )?ok \d+ - )/, `$1[guest +${at}s] `) : line}\n`);
      }
    });
    const code = await new Promise(resolve => child.on('close', c => resolve(c ?? 1)));
    if (code !== 0 && result.failed === 0) {
      log(`the guest run failed with status ${code} and reported no failed test`);
      result.failed++;
    }
    if (result.passed + result.failed + result.skipped === 0) result.failed++;
  } catch (err) {
    log(String(err?.message ?? err));
    result.failed++;
  } finally {
    rmSync(work, {recursive: true, force: true});
    result.seconds = Math.round((Date.now() - t0) / 1000);
    log(`guest stage: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped in ${result.seconds}s`);
  }
  return result;
}

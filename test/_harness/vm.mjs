// The guest stage of `npm test`: cgroup v2 + systemd behaviour cannot be tested on a
// cgroup v1 host, so the test files under dist/test/guest/ run in a small Debian guest
// (test/vm/build-guest.sh, run-in-guest.sh: systemd as PID 1, pure cgroup v2, a lingering
// uid 1001 whose user@1001.service delegates cpu cpuset io memory pids). One boot per run.
//
// runGuestStage() (as root): builds the guest once (cached in /var/tmp, keyed by the build
// script and its package list), packs the built project into a tarball on a 9p share,
// shares this host's node binary read-only (the guest's Debian node is 18), boots, runs
// test/vm/guest-run.sh (its root part installs the systemd user generator, then the
// tests run as uid 1001 in a login session) and counts its TAP lines. Returns {passed, failed,
// skipped, seconds}; a guest that never reports counts as one failure.
import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, join, relative} from 'node:path';

export const GUEST_TEST_DIR = 'dist/test/guest';
const EXTRA_PACKAGES = 'slirp4netns,passt';
/** Whole stage budget (build + boot + tests); CI's cap is 90 min for everything. */
const STAGE_TIMEOUT_S = Number(process.env.TSPOD_VM_TIMEOUT ?? 1800);

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

function run(cmd, args, opts) {
  return new Promise(resolve => {
    const child = spawn(cmd, args, {...opts, stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    const onData = (stream, chunk) => {
      out += chunk;
      if (opts.echo) stream.write(chunk);
    };
    child.stdout.on('data', c => onData(process.stdout, c));
    child.stderr.on('data', c => onData(process.stderr, c));
    child.on('close', code => resolve({code: code ?? 1, out}));
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
  if (existsSync(join(cache, 'guest.img'))) return cache;
  log(`building the guest in ${cache} (once; 3-5 minutes)`);
  const r = await run(join(vmDir, 'build-guest.sh'), [], {env: {...process.env, LAB_VM_CACHE: cache, EXTRA_PACKAGES}, echo: false});
  if (r.code !== 0) throw new Error(`guest build failed:\n${r.out.split('\n').slice(-30).join('\n')}`);
  log(r.out.trim().split('\n').pop());
  return cache;
}

/** Tarball of what the guest needs: built CLI, helper, test bundles, runtime node_modules, images. */
function packProject(projectDir, share, imagesDir) {
  const skip = ['typescript', 'esbuild', '@esbuild', '@types'].map(m => `--exclude=./node_modules/${m}`);
  const stage = mkdtempSync(join(share, 'stage-'));
  // images next to the project, as test/_harness/vm-registry serves them
  cpSync(imagesDir, join(stage, 'images'), {recursive: true});
  const r = spawnSync('tar', ['-C', projectDir, '-czf', join(share, 'project.tgz'), ...skip,
    './package.json', './dist', './helpers/tspod-helper', './test/_harness', './contrib', './node_modules', '-C', stage, './images'], {encoding: 'utf8'});
  rmSync(stage, {recursive: true, force: true});
  if (r.status !== 0) throw new Error(`pack the project: ${r.stderr}`);
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
    const remaining = Math.max(120, STAGE_TIMEOUT_S - Math.round((Date.now() - t0) / 1000));
    const child = spawn(join(vmDir, 'run-in-guest.sh'), ['-f', join(vmDir, 'guest-run.sh')], {
      env: {...process.env, LAB_VM_CACHE: cache, LAB_VM_SHARE: share, LAB_VM_SHARE_RO: ro, LAB_VM_TIMEOUT: String(remaining), LAB_VM_AS_ROOT: '1', LAB_VM_MEM: process.env.LAB_VM_MEM ?? '2048'},
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
        process.stdout.write(`${/^(not )?ok \d+/.test(line) ? line.replace(/^((?:not )?ok \d+ - )/, '$1[guest] ') : line}\n`);
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

#!/usr/bin/env node
// Pull benchmark, tspod against podman, in the same run: busybox, alpine and a
// generated multi-layer image of at least 200 MB from a local registry, each
// pulled into a fresh store every iteration. Prints the medians and tspod/podman.
//
//   npm run build && node bench/pull.mjs            (as root: reruns itself as tspod-tester)
//   BENCH_ITER=5 BENCH_BIG_MB=300 node bench/pull.mjs
//
// Wall times are medians; CPU is user+sys of the process tree (GNU time), which a
// loaded machine distorts far less than wall time.
// Not a test: it needs podman, and numbers depend on the machine.
import {execFileSync, spawnSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync, chmodSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gzipSync, constants} from 'node:zlib';

const projectDir = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const ITER = Number(process.env.BENCH_ITER || 3);
const BIG_MB = Number(process.env.BENCH_BIG_MB || 220);
const LAYERS = Number(process.env.BENCH_BIG_LAYERS || 4);

if (process.getuid() === 0) {
  const {ensureTestUser, TEST_USER} = await import('../test/_harness/testUser.mjs');
  const user = ensureTestUser();
  const stage = mkdtempSync('/var/tmp/tspod-bench-');
  chmodSync(stage, 0o755);
  for (const part of ['package.json', 'dist', 'helpers', 'test', 'node_modules', 'bench'])
    execFileSync('cp', ['-a', join(projectDir, part), join(stage, part)]);
  const home = mkdtempSync('/var/tmp/tspod-bench-home-');
  execFileSync('chown', [`${user.uid}:${user.gid}`, home]);
  const runtimeDir = `/run/user/${user.uid}`;
  mkdirSync(runtimeDir, {recursive: true});
  execFileSync('chown', [`${user.uid}:${user.gid}`, runtimeDir]);
  const env = [`HOME=${home}`, `USER=${TEST_USER}`, `XDG_RUNTIME_DIR=${runtimeDir}`, `TMPDIR=${home}`, `PATH=${process.env.PATH}`,
    `TSPOD_SHARED_IMAGES=${process.env.TSPOD_SHARED_IMAGES || join(projectDir, '../shared/images')}`,
    `BENCH_ITER=${ITER}`, `BENCH_BIG_MB=${BIG_MB}`, `BENCH_BIG_LAYERS=${LAYERS}`];
  const r = spawnSync('setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', '--reset-env', 'env', ...env, process.execPath, join(stage, 'bench/pull.mjs')], {stdio: 'inherit', cwd: stage});
  spawnSync('rm', ['-rf', stage, home]);
  process.exit(r.status ?? 1);
}

const {startSeededRegistry, skopeoCopy} = await import('../test/_harness/registry.mjs');
const TSPOD = join(projectDir, 'dist/tspod.js');
const HELPER = join(projectDir, 'helpers/tspod-helper');
const imagesDir = process.env.TSPOD_SHARED_IMAGES || join(projectDir, '../shared/images');

/** An OCI layout with `layers` gzip layers of random (incompressible) files, `mb` MB in all. */
function buildBigLayout(dir, mb, layers) {
  mkdirSync(join(dir, 'blobs/sha256'), {recursive: true});
  const put = buf => {
    const hex = createHash('sha256').update(buf).digest('hex');
    writeFileSync(join(dir, 'blobs/sha256', hex), buf);
    return {digest: `sha256:${hex}`, size: buf.length};
  };
  const descs = [], diffIds = [];
  const perLayer = Math.ceil(mb / layers) * 1024 * 1024;
  for (let l = 0; l < layers; l++) {
    const chunks = [];
    const fileSize = 8 * 1024 * 1024;
    for (let off = 0, n = 0; off < perLayer; off += fileSize, n++) {
      const size = Math.min(fileSize, perLayer - off);
      chunks.push(tarHeader(`layer${l}/file${n}.bin`, size), randomBytes(size), Buffer.alloc((512 - size % 512) % 512));
    }
    chunks.push(Buffer.alloc(1024));
    const tar = Buffer.concat(chunks);
    diffIds.push(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    descs.push({mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(gzipSync(tar, {level: constants.Z_BEST_SPEED}))});
  }
  const config = put(Buffer.from(JSON.stringify({
    created: '2024-01-01T00:00:00Z', architecture: 'amd64', os: 'linux',
    config: {Cmd: ['/bin/true']}, rootfs: {type: 'layers', diff_ids: diffIds},
    history: diffIds.map(() => ({created: '2024-01-01T00:00:00Z', created_by: 'bench layer'})),
  })));
  const manifest = put(Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {mediaType: 'application/vnd.oci.image.config.v1+json', ...config}, layers: descs,
  })));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({imageLayoutVersion: '1.0.0'}));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({schemaVersion: 2, manifests: [{
    mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: {'org.opencontainers.image.ref.name': 'big'},
  }]}));
  return descs.reduce((n, d) => n + d.size, 0);
}

function tarHeader(name, size) {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write(`${Math.floor(Date.parse('2024-01-01') / 1000).toString(8).padStart(11, '0')}\0`, 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** Wall time, and CPU time (user + sys of the whole process tree, from GNU time): CPU time is what a busy machine cannot blur. */
function timed(cmd, args) {
  const out = join(work, 'time.txt');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', out, cmd, ...args], {stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8'});
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [u, s] = readFileSync(out, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return {ms, cpu: (u + s) * 1000};
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const registry = await startSeededRegistry({imagesDir});
const work = mkdtempSync(join(tmpdir(), 'tspod-bench-'));
try {
  const layout = join(work, 'big.oci');
  const compressed = buildBigLayout(layout, BIG_MB, LAYERS);
  skopeoCopy(`oci:${layout}:big`, `docker://${registry.address}/bench/big:1`);
  rmSync(layout, {recursive: true, force: true});
  const images = [
    ['busybox', `${registry.address}/library/busybox:1.37.0-glibc`],
    ['alpine', `${registry.address}/library/alpine:3.20.3`],
    [`big (${LAYERS} layers, ${(compressed / 1e6).toFixed(0)} MB)`, `${registry.address}/bench/big:1`],
  ];
  const tools = {
    tspod: (root, run, ref) => timed(TSPOD, ['--root', join(root, 'g'), '--runroot', run, 'pull', '-q', '--tls-verify=false', ref]),
    podman: (root, run, ref) => timed('podman', ['--root', join(root, 'g'), '--runroot', run, 'pull', '-q', '--tls-verify=false', ref]),
  };
  const wipe = (tool, root) => {
    if (tool === 'podman') spawnSync('podman', ['unshare', 'rm', '-rf', root], {stdio: 'ignore'});
    else spawnSync(HELPER, ['userns', '--', 'rm', '-rf', root], {stdio: 'ignore'});
    rmSync(root, {recursive: true, force: true});
  };
  console.log(`pull benchmark: ${ITER} iteration(s), fresh store each time, registry ${registry.address} (plain http)`);
  console.log(`load average at start: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${(await import('node:os')).cpus().length} CPUs`);
  console.log(`${'image'.padEnd(28)} ${'tspod ms'.padStart(9)} ${'podman ms'.padStart(9)} ${'ratio'.padStart(6)}   ${'tspod cpu'.padStart(9)} ${'podman cpu'.padStart(10)} ${'ratio'.padStart(6)}`);
  for (const [label, ref] of images) {
    const times = {tspod: [], podman: []};
    for (let i = 0; i < ITER; i++) {
      // Alternate the order so neither tool always gets the warmer page cache.
      for (const tool of i % 2 ? ['podman', 'tspod'] : ['tspod', 'podman']) {
        const root = mkdtempSync(join(work, `${tool}-`));
        // podman refuses a run root longer than 50 characters.
        const run = mkdtempSync('/tmp/tb-');
        try {
          times[tool].push(tools[tool](root, run, ref));
        } finally {
          wipe(tool, root);
          wipe(tool, run);
          // The removal's writeback and discards land before the next sample, not in it.
          spawnSync('sync');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
        }
      }
    }
    const a = median(times.tspod.map(x => x.ms)), b = median(times.podman.map(x => x.ms));
    const c = median(times.tspod.map(x => x.cpu)), d = median(times.podman.map(x => x.cpu));
    console.log(`${label.padEnd(28)} ${a.toFixed(0).padStart(9)} ${b.toFixed(0).padStart(9)} ${(a / b).toFixed(2).padStart(6)}   ${c.toFixed(0).padStart(9)} ${d.toFixed(0).padStart(10)} ${(c / d).toFixed(2).padStart(6)}`);
  }
} finally {
  rmSync(work, {recursive: true, force: true});
  await registry.stop();
}

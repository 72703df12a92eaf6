// A real registry for the tests: Debian's docker-registry (distribution v2) on
// 127.0.0.1 and a free port, storage in a temp dir, seeded with the real images in
// shared/images: both busybox 1.37.0 OCI layouts as published, and Alpine 3.20.3
// made into an image from its minirootfs with fixed times, so its digest is stable.
import {spawn, execFileSync} from 'node:child_process';
import {mkdtempSync, writeFileSync, rmSync, existsSync} from 'node:fs';
import {createServer, connect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {buildAlpineLayout} from './alpineLayout.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts docker-registry; `extraConfig` is YAML appended to the config (auth, tls). */
export async function startRegistry({extraConfig = '', httpExtra = ''} = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tspod-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    httpExtra,
    extraConfig,
  ].join('\n'));
  const child = spawn('docker-registry', ['serve', config], {stdio: ['ignore', 'ignore', 'pipe']});
  let stderr = '';
  child.stderr.on('data', d => { stderr += d; });
  const address = `127.0.0.1:${port}`;
  const scheme = httpExtra.includes('tls:') ? 'https' : 'http';
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
    // With TLS the harness does not know the test's CA: a TCP connect is enough.
    if (scheme === 'https' ? await canConnect(port) : await fetch(`http://${address}/v2/`).then(() => true, () => false)) break;
    if (Date.now() > deadline) throw new Error(`docker-registry did not start: ${stderr}`);
    await new Promise(r => setTimeout(r, 50));
  }
  return {
    address,
    dataDir: join(dir, 'data'),
    dir,
    async stop() {
      child.kill('SIGTERM');
      await new Promise(r => child.exitCode !== null ? r() : child.on('exit', r));
      rmSync(dir, {recursive: true, force: true});
    },
  };
}

function canConnect(port) {
  return new Promise(resolve => {
    const sock = connect(port, '127.0.0.1', () => { sock.destroy(); resolve(true); });
    sock.on('error', () => resolve(false));
  });
}

export function skopeoCopy(src, dest, extra = []) {
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...extra, src, dest], {stdio: ['ignore', 'ignore', 'inherit']});
}

/** The images every e2e test may pull: see SEEDED in test/_helpers/registry.ts. */
export async function startSeededRegistry({imagesDir}) {
  const reg = await startRegistry();
  if (!existsSync(imagesDir)) throw new Error(`shared images not found at ${imagesDir}: set TSPOD_SHARED_IMAGES`);
  const glibc = join(imagesDir, 'busybox-1.37.0-glibc-amd64.oci');
  const musl = join(imagesDir, 'busybox-1.37.0-musl-amd64.oci');
  skopeoCopy(`oci:${glibc}:busybox:1.37.0-glibc`, `docker://${reg.address}/library/busybox:1.37.0-glibc`);
  skopeoCopy(`oci:${glibc}:busybox:1.37.0-glibc`, `docker://${reg.address}/library/busybox:latest`);
  skopeoCopy(`oci:${musl}:busybox:1.37.0-musl`, `docker://${reg.address}/library/busybox:1.37.0-musl`);
  const alpineDir = mkdtempSync(join(tmpdir(), 'tspod-alpine-'));
  buildAlpineLayout(join(imagesDir, 'alpine-minirootfs-3.20.3-x86_64.tar.gz'), alpineDir);
  skopeoCopy(`oci:${alpineDir}:3.20.3`, `docker://${reg.address}/library/alpine:3.20.3`);
  skopeoCopy(`oci:${alpineDir}:3.20.3`, `docker://${reg.address}/library/alpine:latest`);
  rmSync(alpineDir, {recursive: true, force: true});
  return reg;
}

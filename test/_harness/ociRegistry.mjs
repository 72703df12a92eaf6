// A read-only OCI distribution (v2) registry over plain HTTP that serves OCI image
// layouts from disk, for the guest VM where Debian's docker-registry and skopeo are
// absent. Only what `tspod pull` needs: GET/HEAD /v2/, manifests by tag or digest, blobs.
//   node ociRegistry.mjs REPO:TAG=LAYOUT_DIR[:REF] ...   → prints "127.0.0.1:PORT" and serves
import {createServer} from 'node:http';
import {createReadStream, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';

export async function serveLayouts(images) {
  // images: Array<{repo, tag, dir, ref}>
  const tags = new Map(); // repo:tag -> {dir, desc}
  const dirsByRepo = new Map();
  for (const im of images) {
    const index = JSON.parse(readFileSync(join(im.dir, 'index.json'), 'utf8'));
    const desc = index.manifests.find(m => (m.annotations?.['org.opencontainers.image.ref.name'] ?? '') === im.ref) ?? index.manifests[0];
    tags.set(`${im.repo}:${im.tag}`, {dir: im.dir, desc});
    dirsByRepo.set(im.repo, [...(dirsByRepo.get(im.repo) ?? []), im.dir]);
  }
  const blobPath = (repo, digest) => {
    const hex = digest.replace(/^sha256:/, '');
    if (!/^[a-f0-9]{64}$/.test(hex)) return null;
    for (const d of dirsByRepo.get(repo) ?? []) {
      const p = join(d, 'blobs/sha256', hex);
      try { statSync(p); return p; } catch {}
    }
    return null;
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    if (url.pathname === '/v2/' || url.pathname === '/v2') return res.end('{}');
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m) { res.statusCode = 404; return res.end(); }
    const [, repo, kind, ref] = m;
    let file = null, type = 'application/octet-stream', digest = ref;
    if (kind === 'manifests' && !ref.startsWith('sha256:')) {
      const t = tags.get(`${repo}:${ref}`);
      if (t) { digest = t.desc.digest; type = t.desc.mediaType; file = blobPath(repo, digest); }
    } else {
      file = blobPath(repo, ref);
      if (file && kind === 'manifests') type = JSON.parse(readFileSync(file, 'utf8')).mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
    }
    if (!file) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'application/json');
      return res.end(JSON.stringify({errors: [{code: kind === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN', message: 'unknown'}]}));
    }
    res.setHeader('Content-Type', type);
    res.setHeader('Docker-Content-Digest', digest);
    res.setHeader('Content-Length', String(statSync(file).size));
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  return {address: `127.0.0.1:${server.address().port}`, close: () => new Promise(r => server.close(r))};
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const images = process.argv.slice(2).map(a => {
    const [name, rest] = a.split('=');
    const [repo, tag] = name.split(':');
    const [dir, ref] = rest.split('@');
    return {repo, tag, dir, ref: ref ?? ''};
  });
  const reg = await serveLayouts(images);
  console.log(reg.address);
}

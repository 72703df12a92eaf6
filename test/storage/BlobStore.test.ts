import test from 'ava';
import {mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, createWriteStream} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {Readable} from 'node:stream';
import {BlobStore} from '../../src/storage/BlobStore';
import {sha256Of} from '../../src/oci/digest';
import type {Digest} from '../../src/oci/digest';

const root = mkdtempSync(join(tmpdir(), `tspod-blobs-`));
test.after.always(() => rmSync(root, {recursive: true, force: true}));

function store(name: string): BlobStore {
  return new BlobStore(join(root, name, `blobs`));
}

function expectedDigest(size: number, seed: number): Digest {
  const h = createHash(`sha256`);
  let left = size, i = 0;
  while (left > 0) {
    const n = Math.min(left, 65536);
    h.update(Buffer.alloc(n, (seed + i++) % 256));
    left -= n;
  }
  return `sha256:${h.digest(`hex`)}` as Digest;
}

test(`put a buffer and a stream; get, has, list, verify, delete`, async t => {
  const s = store(`basic`);
  const a = await s.put(Buffer.from(`hello`));
  t.is(a.digest, sha256Of(`hello`));
  t.is(a.size, 5);
  t.is(s.path(a.digest), join(root, `basic/blobs/sha256`, a.digest.slice(7)));
  const b = await s.put(Readable.from([Buffer.from(`wor`), Buffer.from(`ld`)]), sha256Of(`world`));
  t.true(await s.has(b.digest));
  t.is((await s.get(b.digest)).toString(), `world`);
  t.deepEqual((await s.list()).sort(), [a.digest, b.digest].sort());
  t.true(await s.verify(a.digest));
  t.true(await s.delete(a.digest));
  t.false(await s.delete(a.digest));
  t.false(await s.has(a.digest));
  const err = await t.throwsAsync(s.get(a.digest));
  t.is((err as {code?: string}).code, `Storage`);
});

test(`a digest mismatch stores nothing`, async t => {
  const s = store(`mismatch`);
  const err = await t.throwsAsync(s.put(Buffer.from(`evil`), sha256Of(`good`)));
  t.is((err as {code?: string}).code, `DigestMismatch`);
  t.false(await s.has(sha256Of(`evil`)));
  t.false(await s.has(sha256Of(`good`)));
  t.deepEqual(readdirSync(join(root, `mismatch/blobs/sha256`)), []);
});

test(`tempPath + commitFile re-hashes what the downloader wrote`, async t => {
  const s = store(`commit`);
  const tmp = await s.tempPath();
  writeFileSync(tmp, `downloaded`);
  const info = await s.commitFile(tmp, sha256Of(`downloaded`));
  t.is(info.size, 10);
  t.true(await s.verify(info.digest));
  const tmp2 = await s.tempPath();
  await new Promise<void>(r => createWriteStream(tmp2).end(`tampered`, r));
  await t.throwsAsync(s.commitFile(tmp2, sha256Of(`downloaded!`)), {message: /digest mismatch/});
  t.deepEqual(readdirSync(join(root, `commit/blobs/sha256`)), [info.digest.slice(7)]);
});

function child(blobs: string, size: number, seed: number, delay: number) {
  return spawn(process.execPath, [join(__dirname, `_children/blobPut.child.js`), blobs, String(size), String(seed), String(delay)], {stdio: [`ignore`, `pipe`, `inherit`]});
}

function output(c: ReturnType<typeof child>): Promise<{code: number | null, out: string}> {
  return new Promise(resolve => {
    let out = ``;
    c.stdout!.on(`data`, d => (out += d));
    c.on(`exit`, code => resolve({code, out: out.trim()}));
  });
}

test(`two processes putting the same blob at once both succeed, one copy remains`, async t => {
  const blobs = join(root, `race/blobs`);
  const size = 8 * 1024 * 1024;
  const want = expectedDigest(size, 7);
  const [a, b] = await Promise.all([output(child(blobs, size, 7, 0)), output(child(blobs, size, 7, 0))]);
  t.is(a.code, 0);
  t.is(b.code, 0);
  t.is(a.out, want);
  t.is(b.out, want);
  t.deepEqual(readdirSync(join(blobs, `sha256`)), [want.slice(7)]);
  t.true(await new BlobStore(blobs).verify(want));
});

test(`kill -9 of a writer mid-write leaves no visible partial blob`, async t => {
  const blobs = join(root, `killed/blobs`);
  const s = new BlobStore(blobs);
  const size = 4 * 1024 * 1024;
  const c = child(blobs, size, 3, 20); // 64 chunks * 20 ms
  // Wait until it is mid-write (its temp file exists and has data), then kill it.
  const dirPath = join(blobs, `sha256`);
  for (let i = 0; i < 200; i++) {
    const temps = (() => {
      try {
        return readdirSync(dirPath).filter(n => n.startsWith(`.tmp-`) && statSync(join(dirPath, n)).size > 0);
      } catch {
        return [];
      }
    })();
    if (temps.length > 0) break;
    await new Promise(r => setTimeout(r, 25));
  }
  c.kill(`SIGKILL`);
  const {code} = await output(c);
  t.is(code, null);
  t.deepEqual(await s.list(), []);
  t.false(await s.has(expectedDigest(size, 3)));
  // The temp file it left is reported stale (its pid is dead) and can be removed.
  const stale = await s.staleTemps();
  t.is(stale.length, 1);
  t.regex(stale[0]!, /\/sha256\/\.tmp-\d+-/);
});

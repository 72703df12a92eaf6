// TarReader against tar-stream, whose reading it replaces for layers: the same entries,
// fields and data from archives of every kind (tar-stream's own with pax records, GNU
// tar's long names and links, POSIX with a global header), fed in chunks of every size;
// the same refusals for a truncated or corrupted archive.
import test from 'ava';
import {execFileSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import tar from 'tar-stream';
import {TarReader} from '../../src/storage/tarReader';
import {makeTar} from './_tar';

interface Seen {
  header: Record<string, unknown>;
  data: string;
}

function fields(h: Record<string, unknown>): Record<string, unknown> {
  return {
    name: h.name, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, size: h.size,
    mtime: (h.mtime as Date).getTime(), linkname: h.linkname, devmajor: h.devmajor, devminor: h.devminor, pax: h.pax,
  };
}

async function withTarStream(archive: Buffer): Promise<Array<Seen>> {
  const out: Array<Seen> = [];
  const extract = tar.extract();
  Readable.from([archive]).pipe(extract);
  for await (const entry of extract) {
    const chunks: Array<Buffer> = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({header: fields(entry.header as unknown as Record<string, unknown>), data: Buffer.concat(chunks).toString(`latin1`)});
  }
  return out;
}

/** Feeds the archive in chunks of `size` bytes (the last may be shorter). */
function withReader(archive: Buffer, size: number): Array<Seen> {
  const out: Array<Seen> = [];
  const reader = new TarReader(h => {
    const seen: Seen = {header: fields(h as unknown as Record<string, unknown>), data: ``};
    out.push(seen);
    return {data: c => { seen.data += c.toString(`latin1`); }, end: () => undefined};
  });
  for (let off = 0; off < archive.length; off += size) reader.push(archive.subarray(off, off + size));
  reader.end();
  return out;
}

const SIZES = [1, 7, 100, 511, 512, 513, 1000, 4096, 1 << 20];

async function agree(t: import('ava').ExecutionContext, archive: Buffer): Promise<void> {
  const expected = await withTarStream(archive);
  t.true(expected.length > 0);
  for (const size of SIZES) t.deepEqual(withReader(archive, size), expected, `chunks of ${size} bytes`);
}

const long = `${`d`.repeat(60)}/${`e`.repeat(60)}/${`f`.repeat(70)}`;

test(`tar-stream's archives: every entry type, pax records, sizes around a block`, async t => {
  await agree(t, await makeTar([
    {name: `./`, type: `directory`},
    {name: `dir/`, type: `directory`, mode: 0o755, uid: 7, gid: 8},
    ...[0, 1, 511, 512, 513, 5000].map(n => ({name: `dir/f${n}`, data: `x`.repeat(n), mode: 0o640})),
    {name: long, data: `a long name`},
    {name: `link`, type: `symlink`, linkname: `${`t`.repeat(150)}`},
    {name: `hard`, type: `link`, linkname: `dir/f1`},
    {name: `fifo`, type: `fifo`},
    {name: `null`, type: `character-device`, devmajor: 1, devminor: 3},
    {name: `x`, data: `xattr`, pax: {'SCHILY.xattr.user.a': `1`, 'SCHILY.xattr.security.capability': `\u0001`}},
    {name: `über/ñ`, data: `utf-8 names`, uid: 65534, gid: 65534, mtime: new Date(1_700_000_000_000)},
  ]));
});

test(`GNU tar's long names and link targets, and POSIX tar's global header`, async t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-tar-`));
  try {
    mkdirSync(join(dir, `src`, long), {recursive: true});
    writeFileSync(join(dir, `src`, long, `file`), `deep`);
    symlinkSync(`${`target/`.repeat(30)}end`, join(dir, `src`, `longlink`));
    for (const format of [[`--format=gnu`], [`--format=posix`, `--pax-option=comment=tspod`], [`--format=ustar`]]) {
      // ustar cannot hold the long link target: that archive gets the deep file only.
      const what = format[0] === `--format=ustar` ? [`./${long}/file`] : [`.`];
      await agree(t, execFileSync(`tar`, [...format, `-C`, join(dir, `src`), `-cf`, `-`, ...what], {maxBuffer: 1 << 26}));
    }
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

test(`a truncated archive and a corrupted header are refused, as tar-stream does`, async t => {
  const archive = await makeTar([{name: `a`, data: `x`.repeat(2000)}, {name: `b`, data: `y`}]);
  const cut = archive.subarray(0, 1000);
  await t.throwsAsync(withTarStream(cut), {message: /Unexpected end of data/});
  t.throws(() => withReader(cut, 100), {message: /Unexpected end of data/});
  const bad = Buffer.from(archive);
  bad[3] ^= 0x01;
  await t.throwsAsync(withTarStream(bad), {message: /Invalid tar header/});
  t.throws(() => withReader(bad, 512), {message: /Invalid tar header/});
});

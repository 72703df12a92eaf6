import test from 'ava';
import {lstatSync, mkdtempSync, rmSync, writeFileSync, readFileSync, symlinkSync} from 'node:fs';
import {join} from 'node:path';
import {lsetxattr, lgetxattr, llistxattr, mkWhiteout, mkfifo, renameNoReplace, renameExchange, fsyncDir} from '../../src/sys/fs';
import {SysError, isSysError} from '../../src/sys/errors';

const dir = mkdtempSync(join(`/var/tmp`, `tspod-sysfs-`));
test.after.always(() => rmSync(dir, {recursive: true, force: true}));

test(`user xattrs: set, get, list, absent`, t => {
  const f = join(dir, `x`);
  writeFileSync(f, `x`);
  lsetxattr(f, `user.overlay.opaque`, `y`);
  t.is(lgetxattr(f, `user.overlay.opaque`)?.toString(), `y`);
  t.true(llistxattr(f).includes(`user.overlay.opaque`));
  t.is(lgetxattr(f, `user.nope`), undefined);
});

test(`xattr on a missing file names the path`, t => {
  const err = t.throws(() => lsetxattr(join(dir, `missing`), `user.a`, `b`), {instanceOf: SysError}) as SysError;
  t.is(err.code, `ENOENT`);
  t.regex(err.message, /^set xattr `user.a` on `.*missing`: ENOENT$/);
});

test(`whiteout is a char device 0/0; fifo`, t => {
  const w = join(dir, `wh`);
  mkWhiteout(w);
  const s = lstatSync(w);
  t.true(s.isCharacterDevice());
  t.is(s.rdev, 0);
  mkfifo(join(dir, `fifo`), 0o600);
  t.true(lstatSync(join(dir, `fifo`)).isFIFO());
});

test(`renameNoReplace refuses to replace; renameExchange swaps`, t => {
  const a = join(dir, `ra`), b = join(dir, `rb`);
  writeFileSync(a, `A`);
  writeFileSync(b, `B`);
  const err = t.throws(() => renameNoReplace(a, b)) as SysError;
  t.true(isSysError(err, `EEXIST`));
  t.is(err.message, `rename \`${a}\` to \`${b}\`: EEXIST`);
  renameExchange(a, b);
  t.is(readFileSync(a, `utf8`), `B`);
  t.is(readFileSync(b, `utf8`), `A`);
  renameNoReplace(a, join(dir, `rc`));
  t.is(readFileSync(join(dir, `rc`), `utf8`), `B`);
  symlinkSync(`rc`, join(dir, `ln`));
  t.notThrows(() => fsyncDir(dir));
});

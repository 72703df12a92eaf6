import test from 'ava';
import {mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {layeredIsDir, layeredReader, resolveUser} from '../../../src/engine/run/users';
import {TspodError} from '../../../src/engine/errors';

function layers() {
  const base = mkdtempSync(join(tmpdir(), `users-`));
  const lower = join(base, `lower`), upper = join(base, `upper`);
  mkdirSync(join(lower, `etc`), {recursive: true});
  mkdirSync(join(upper, `etc`), {recursive: true});
  writeFileSync(join(lower, `etc/passwd`), `root:x:0:0:root:/root:/bin/sh\nold:x:5:5::/:/bin/sh\n`);
  writeFileSync(join(upper, `etc/passwd`), `root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n`);
  writeFileSync(join(lower, `etc/group`), `root:x:0:\nwheel:x:10:app,root\napp:x:1000:\nstaff:x:50:app\n`);
  writeFileSync(join(base, `secret`), `host secret\n`);
  return {base, lower, upper, read: layeredReader([upper, lower])};
}

test(`top layer wins; group falls through to the lower layer`, t => {
  const {read} = layers();
  t.regex(read(`/etc/passwd`)!, /app:x:1000/);
  t.regex(read(`/etc/group`)!, /wheel/);
  t.is(read(`/etc/shadow`), undefined);
});

test(`resolve names, numbers and groups (podman's rules)`, t => {
  const {read} = layers();
  t.deepEqual(resolveUser(undefined, read), {uid: 0, gid: 0, additionalGids: [10], home: `/root`, name: `root`});
  t.deepEqual(resolveUser(`app`, read), {uid: 1000, gid: 1000, additionalGids: [10, 50], home: `/home/app`, name: `app`});
  t.deepEqual(resolveUser(`app:wheel`, read), {uid: 1000, gid: 10, additionalGids: [50], home: `/home/app`, name: `app`});
  t.deepEqual(resolveUser(`4242`, read), {uid: 4242, gid: 0, additionalGids: [], home: `/`});
  t.deepEqual(resolveUser(`4242:77`, read), {uid: 4242, gid: 77, additionalGids: [], home: `/`});
  t.is(resolveUser(`nobody`, read).uid, 65534);
});

test(`unknown user or group: one line`, t => {
  const {read} = layers();
  const e1 = t.throws(() => resolveUser(`nosuchuser`, read), {instanceOf: TspodError});
  t.is(e1!.message, `unable to find user nosuchuser: no matching entries in passwd file`);
  const e2 = t.throws(() => resolveUser(`app:nosuchgroup`, read), {instanceOf: TspodError});
  t.regex(e2!.message, /unable to find group nosuchgroup/);
});

test(`symlinks resolve inside the image root, never to the host`, t => {
  const {base, upper, read} = layers();
  symlinkSync(`/secret`, join(upper, `etc/abs`));
  symlinkSync(`../../../../../../secret`, join(upper, `etc/rel`));
  symlinkSync(join(base, `secret`), join(upper, `etc/hostpath`));
  symlinkSync(`passwd`, join(upper, `etc/pw`));
  t.is(read(`/etc/abs`), undefined);
  t.is(read(`/etc/rel`), undefined);
  t.is(read(`/etc/hostpath`), undefined);
  t.regex(read(`/etc/pw`)!, /app:x:1000/);
});

test(`a symlinked directory resolves inside the root; layeredIsDir`, t => {
  const {upper} = layers();
  symlinkSync(`/etc`, join(upper, `etc2`));
  const read = layeredReader([upper]);
  t.regex(read(`/etc2/passwd`)!, /app:x:1000/);
  t.true(layeredIsDir([upper], `/etc2`));
  t.true(layeredIsDir([upper], `/`));
  t.false(layeredIsDir([upper], `/etc/passwd`));
  t.false(layeredIsDir([upper], `/nope`));
});

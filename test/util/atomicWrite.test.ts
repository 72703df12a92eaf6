import test from 'ava';
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {writeFileAtomic, writeJsonAtomic, writeFileAtomicSync, tempPathFor, isTempName} from '../../src/util/atomicWrite';

const dir = mkdtempSync(join(tmpdir(), `tspod-atomic-`));
test.after.always(() => rmSync(dir, {recursive: true, force: true}));

test(`writes replace atomically and leave no temp files`, async t => {
  const f = join(dir, `a.json`);
  await writeJsonAtomic(f, {a: 1});
  await writeJsonAtomic(f, {a: 2});
  t.deepEqual(JSON.parse(readFileSync(f, `utf8`)), {a: 2});
  t.is(statSync(f).mode & 0o777, 0o600);
  writeFileAtomicSync(join(dir, `b`), `bee`);
  await writeFileAtomic(join(dir, `c`), Buffer.from(`sea`), {mode: 0o644});
  t.is(readFileSync(join(dir, `b`), `utf8`), `bee`);
  t.deepEqual(readdirSync(dir).filter(isTempName), []);
});

test(`temp names live in the target's directory`, t => {
  const p = tempPathFor(`/some/dir/file.json`);
  t.regex(p, /^\/some\/dir\/\.tmp-\d+-[0-9a-f]{12}-file\.json$/);
});

test(`a failed write leaves the old content and no temp file`, async t => {
  const sub = mkdtempSync(join(dir, `fail-`));
  const f = join(sub, `d`);
  await writeFileAtomic(f, `old`);
  await t.throwsAsync(writeFileAtomic(join(sub, `nodir`, `x`), `new`));
  t.is(readFileSync(f, `utf8`), `old`);
  t.deepEqual(readdirSync(sub).filter(isTempName), []);
});

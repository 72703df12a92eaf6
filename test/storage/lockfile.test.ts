import test from 'ava';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawn} from 'node:child_process';
import {LockFile} from '../../src/storage/lockfile';
import {JsonIndex} from '../../src/storage/JsonIndex';

const dir = mkdtempSync(join(tmpdir(), `tspod-lockfile-`));
test.after.always(() => rmSync(dir, {recursive: true, force: true}));

function run(file: string, args: Array<string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [join(__dirname, `_children`, file), ...args], {stdio: [`ignore`, `inherit`, `inherit`]});
    c.on(`error`, reject);
    c.on(`exit`, code => resolve(code ?? -1));
  });
}

test(`the lock serialises two writer processes (no lost updates)`, async t => {
  const lock = join(dir, `c.lock`), counter = join(dir, `counter`);
  writeFileSync(counter, `0`);
  const codes = await Promise.all([run(`lockWriter.child.js`, [lock, counter, `40`]), run(`lockWriter.child.js`, [lock, counter, `40`])]);
  t.deepEqual(codes, [0, 0]);
  t.is(readFileSync(counter, `utf8`), `80`);
});

test(`last-writer token: modifiedSince sees other writers only`, async t => {
  const p = join(dir, `t.lock`);
  const a = new LockFile(p), b = new LockFile(p);
  const seen = await a.withRead(() => a.currentToken());
  t.false(await a.withRead(() => a.modifiedSince(seen)));
  const written = await b.withWrite(() => b.recordWrite());
  t.is(written.length, 64);
  t.true(await a.withRead(() => a.modifiedSince(seen)));
  t.false(await a.withRead(() => a.modifiedSince(written)));
  a.close();
  b.close();
});

test(`in one process, writers queue and a reader waits for a writer on another instance`, async t => {
  const p = join(dir, `q.lock`);
  const a = new LockFile(p), b = new LockFile(p);
  const order: Array<string> = [];
  await Promise.all([
    a.withWrite(async () => {
      order.push(`a1`);
      await new Promise(r => setTimeout(r, 50));
      order.push(`a2`);
    }),
    a.withWrite(() => void order.push(`a3`)),
    (async () => {
      await new Promise(r => setTimeout(r, 10));
      await b.withRead(() => void order.push(`b`));
    })(),
  ]);
  t.deepEqual(order.slice(0, 2), [`a1`, `a2`]);
  t.true(order.includes(`b`) && order.includes(`a3`));
  t.throws(() => a.recordWrite(), {message: /Assertion failed/});
  a.close();
  b.close();
});

test(`timeout gives a Locked error with a hint`, async t => {
  const p = join(dir, `to.lock`);
  const a = new LockFile(p), b = new LockFile(p, {timeoutMs: 30});
  await a.withWrite(async () => {
    const err = await t.throwsAsync(b.withRead(() => 1));
    t.is((err as {code?: string}).code, `Locked`);
    t.regex(err!.message, /timed out waiting for lock/);
  });
  a.close();
  b.close();
});

test(`a JsonIndex read takes no lock: it sees the last complete version while a writer holds the lock, and the new one after`, async t => {
  const file = join(dir, `idx.json`), lock = join(dir, `idx.lock`);
  const writer = new JsonIndex<number>(file, lock);
  // A reader that would time out at once if it waited for the lock.
  const reader = new JsonIndex<number>(file, lock, {timeoutMs: 30});
  await writer.update(r => void r.push(1));
  t.deepEqual(await reader.read(), [1]);
  await writer.update(async r => {
    r.push(2);
    t.deepEqual(await reader.read(), [1]);
  });
  t.deepEqual(await reader.read(), [1, 2]);
  writer.close();
  reader.close();
});

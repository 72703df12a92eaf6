import test from 'ava';
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
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

test(`a JsonIndex volatile part: its records live in their own file; an update rewrites only the file that changed; a torn volatile file reads as empty`, async t => {
  const file = join(dir, `v.json`), vfile = join(dir, `v-volatile.json`), lock = join(dir, `v.lock`);
  type R = {id: number, volatile?: boolean, n?: number};
  const open = () => new JsonIndex<R>(file, lock, {volatile: {file: vfile, is: r => r.volatile === true}});
  const a = open(), b = open();
  await a.update(r => void r.push({id: 1}, {id: 2, volatile: true}));
  t.deepEqual(JSON.parse(readFileSync(file, `utf8`)), [{id: 1}]);
  t.deepEqual(JSON.parse(readFileSync(vfile, `utf8`)), [{id: 2, volatile: true}]);
  // Another process's view has both, and its change to the volatile record leaves the durable file alone.
  t.deepEqual((await b.read()).map(r => r.id), [1, 2]);
  const durableBefore = statSync(file).ino;
  await b.update(r => { r.find(x => x.id === 2)!.n = 7; });
  t.is(statSync(file).ino, durableBefore);
  t.deepEqual(await a.read(), [{id: 1}, {id: 2, volatile: true, n: 7}]);
  await a.update(r => { r.find(x => x.id === 1)!.n = 1; });
  t.not(statSync(file).ino, durableBefore);
  // A power cut may leave the volatile file torn: its records are lost, the durable ones kept.
  writeFileSync(vfile, `[{"id": 2, "vol`);
  await b.update(r => void r.push({id: 3}));
  t.deepEqual((await open().read()).map(r => r.id), [1, 3]);
  t.deepEqual(JSON.parse(readFileSync(vfile, `utf8`)), []);
  a.close();
  b.close();
});

import test from 'ava';
import {closeSync, mkdtempSync, openSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawn} from 'node:child_process';
import {tryFlock, unflock, flockWait} from '../../src/sys/lock';
import {SysError} from '../../src/sys/errors';

const dir = mkdtempSync(join(tmpdir(), `tspod-lock-`));
test.after.always(() => rmSync(dir, {recursive: true, force: true}));

test(`two descriptors exclude each other; shared locks coexist`, t => {
  const p = join(dir, `a.lock`);
  const a = openSync(p, `a+`), b = openSync(p, `a+`);
  t.true(tryFlock(a, `exclusive`));
  t.false(tryFlock(b, `shared`));
  unflock(a);
  t.true(tryFlock(a, `shared`));
  t.true(tryFlock(b, `shared`));
  t.false(tryFlock(a, `exclusive`)); // b still shares it
  unflock(b);
  t.true(tryFlock(a, `exclusive`)); // upgrade once alone
  closeSync(a);
  closeSync(b);
});

test(`flockWait waits without blocking the event loop, and times out`, async t => {
  const p = join(dir, `b.lock`);
  // flock(1) from util-linux holds the lock in another process for 400 ms.
  const holder = spawn(`flock`, [`-x`, p, `-c`, `echo held; sleep 0.4`]);
  await new Promise<void>(resolve => holder.stdout.once(`data`, () => resolve()));
  const fd = openSync(p, `a+`);
  t.false(await flockWait(fd, `exclusive`, p, {timeoutMs: 50}));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const start = Date.now();
  t.true(await flockWait(fd, `exclusive`, p));
  clearInterval(timer);
  t.true(Date.now() - start >= 200);
  t.true(ticks >= 10, `the event loop kept running (${ticks} ticks)`);
  closeSync(fd);
});

test(`a bad fd raises a SysError with the errno name`, t => {
  const err = t.throws(() => tryFlock(9999, `shared`, `/x.lock`), {instanceOf: SysError}) as SysError;
  t.is(err.code, `EBADF`);
  t.is(err.errno, 9);
  t.is(err.syscall, `flock`);
  t.is(err.message, `lock \`/x.lock\`: EBADF`);
});

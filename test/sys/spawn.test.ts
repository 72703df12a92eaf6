import test from 'ava';
import {closeSync, openSync, readFileSync, readSync, writeSync} from 'node:fs';
import {makePipe, spawnProgram} from '../../src/sys/spawn';

function readAll(fd: number): string {
  const buf = Buffer.alloc(65536);
  let out = ``;
  for (let n; (n = readSync(fd, buf)) > 0;) out += buf.subarray(0, n).toString();
  closeSync(fd);
  return out;
}

/** Runs `sh -c SCRIPT` with stdout on a pipe (and extra child fds), returns its output and exit. */
async function sh(script: string, extra: Array<number> = []) {
  const out = makePipe();
  const child = spawnProgram(`/bin/sh`, [`/bin/sh`, `-c`, script], [`ignore`, out.write, `inherit`, ...extra]);
  closeSync(out.write);
  return {stdout: readAll(out.read), ...(await child.exited)};
}

test(`exit status and death by a signal`, async t => {
  t.like(await sh(`exit 7`), {code: 7, signal: undefined});
  t.like(await sh(`kill -TERM $$`), {code: undefined, signal: 15});
});

test(`the child gets the fds given, and none of the ones Node opened (close-on-exec)`, async t => {
  const given = makePipe();
  const other = makePipe();
  const file = openSync(`/proc/self/status`, `r`);
  closeSync(given.write);
  const r = await sh(`ls /proc/self/fd | tr '\\n' ' '`, [given.read]);
  const fds = r.stdout.trim().split(` `).map(Number);
  for (const fd of [0, 1, 2, 3]) t.true(fds.includes(fd), `fd ${fd} is there`);
  for (const fd of [given.read, other.read, other.write, file]) t.false(fds.includes(fd), `fd ${fd} of Node's is not`);
  for (const fd of [given.read, other.read, other.write, file]) closeSync(fd);
});

test(`fd 0 ignored is /dev/null; data written to a pipe end reaches the child`, async t => {
  const p = makePipe();
  const out = makePipe();
  const child = spawnProgram(`/bin/sh`, [`/bin/sh`, `-c`, `readlink /proc/self/fd/0; cat <&3`], [`ignore`, out.write, `inherit`, p.read]);
  closeSync(out.write);
  closeSync(p.read);
  writeSync(p.write, `through the pipe\n`);
  closeSync(p.write);
  t.is(readAll(out.read), `/dev/null\nthrough the pipe\n`);
  t.is((await child.exited).code, 0);
});

test(`signals start at their defaults and unblocked (Node ignores SIGPIPE)`, async t => {
  const r = await sh(`grep -E '^Sig(Blk|Ign)' /proc/self/status`);
  t.regex(r.stdout, /SigBlk:\s+0+\n/);
  t.regex(r.stdout, /SigIgn:\s+0+\n/);
});

test(`a program that does not exist throws ENOENT and leaves no listener behind`, t => {
  const before = process.listenerCount(`SIGCHLD`);
  const err = t.throws(() => spawnProgram(`/nonexistent/prog`, [`prog`], [`ignore`, `ignore`, `ignore`])) as NodeJS.ErrnoException;
  t.is(err.code, `ENOENT`);
  t.is(process.listenerCount(`SIGCHLD`), before);
});

test(`many children at once are each reaped with their own status`, async t => {
  const children = Array.from({length: 20}, (_, i) => spawnProgram(`/bin/sh`, [`/bin/sh`, `-c`, `sleep 0.0${i % 10}; exit ${i}`], [`ignore`, `ignore`, `ignore`]));
  const exits = await Promise.all(children.map(c => c.exited));
  t.deepEqual(exits.map(e => e.code), Array.from({length: 20}, (_, i) => i));
  t.is(process.listenerCount(`SIGCHLD`), 0);
  for (const c of children) t.throws(() => readFileSync(`/proc/${c.pid}/stat`), undefined, `child ${c.pid} was reaped`);
});

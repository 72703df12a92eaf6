// The CLI's stdout and stderr (src/util/fdWriter.ts): every byte out, in order, even when
// the pipe is non-blocking and full; a reader gone ends the process as SIGPIPE would; and
// isTerminal agrees with Node's isatty.
import test from 'ava';
import {spawn, spawnSync} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const CHILD = join(__dirname, `_children/fdWriter.child.js`);

test(`a write to a full non-blocking pipe waits for the reader and loses nothing`, async t => {
  const size = 4 << 20;
  const child = spawn(process.execPath, [CHILD, `big`, String(size)], {stdio: [`ignore`, `pipe`, `pipe`]});
  let stderr = ``;
  child.stderr.on(`data`, d => (stderr += d));
  // Read nothing for a while: the pipe (64 KiB) fills and the writer meets EAGAIN.
  child.stdout.pause();
  await new Promise(r => setTimeout(r, 300));
  const chunks: Array<Buffer> = [];
  child.stdout.on(`data`, (d: Buffer) => chunks.push(d));
  child.stdout.resume();
  const code = await new Promise(r => child.on(`close`, r));
  t.is(code, 0, stderr);
  const got = Buffer.concat(chunks);
  t.is(got.length, size);
  t.true(got.every((b, i) => b === i % 251), `bytes out of order or changed`);
});

test(`a write after the reader is gone ends the process by SIGPIPE, without a word`, async t => {
  const child = spawn(process.execPath, [CHILD, `late`], {stdio: [`ignore`, `pipe`, `pipe`]});
  let stderr = ``;
  child.stderr.on(`data`, d => (stderr += d));
  child.stdout.destroy();
  const [code, signal] = await new Promise<[number | null, string | null]>(r => child.on(`close`, (c, s) => r([c, s])));
  t.is(signal, `SIGPIPE`, `exit code ${code}`);
  t.is(stderr, ``);
});

test(`isTerminal agrees with isatty on a pipe, a file, /dev/null and a pseudo-terminal`, t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-fdwriter-`));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const file = openSync(join(dir, `out`), `w`);
  const devnull = openSync(`/dev/null`, `r+`);
  try {
    for (const stdio of [[`pipe`, `pipe`, `pipe`], [devnull, file, `pipe`], [`ignore`, devnull, `pipe`]] as const) {
      const r = spawnSync(process.execPath, [CHILD, `tty`], {stdio: [...stdio], encoding: `utf8`});
      const seen = JSON.parse(r.stderr) as Array<[boolean, boolean]>;
      for (const [mine, node] of seen) t.is(mine, node, r.stderr);
    }
  } finally {
    closeSync(file);
    closeSync(devnull);
  }
  // util-linux's script(1) runs the child on a new pseudo-terminal (its stderr, with the rest).
  const r = spawnSync(`script`, [`-qec`, `${process.execPath} ${CHILD} tty`, `/dev/null`], {stdio: [`ignore`, `pipe`, `pipe`], encoding: `utf8`});
  if (r.error) return t.log(`no script(1): pseudo-terminal case not run`);
  const seen = JSON.parse(r.stdout.trim()) as Array<[boolean, boolean]>;
  t.deepEqual(seen[1], [true, true], r.stdout);
  for (const [mine, node] of seen) t.is(mine, node, r.stdout);
});

// tspod-helper portfwd on its own, in the test's own namespaces (the pid given is the
// test's: joining namespaces one is already in is skipped), against real sockets:
// ranges, bytes both ways with half-close, integrity of a large transfer, resets passed
// on, many connections at once, [::] beside 0.0.0.0, and a port in use refused before
// anything is served, with the one-line reason on fd 3 (`!`) or stderr.
import test from 'ava';
import {spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {createServer, connect} from 'node:net';
import type {Server, Socket} from 'node:net';
import {createHash, randomBytes} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import {HELPER_BIN} from '../_helpers/project';
import {whenAvailable} from '../_helpers/features';

const sha = (b: Buffer) => createHash(`sha256`).update(b).digest(`hex`);
const haveIpv6 = existsSync(`/proc/net/if_inet6`) && readFileSync(`/proc/net/if_inet6`, `utf8`).includes(`00000000000000000000000000000001`);

function listen(srv: Server, port = 0, host = `127.0.0.1`): Promise<number> {
  return new Promise((resolve, reject) => {
    srv.once(`error`, reject);
    srv.listen({port, host, exclusive: true}, () => resolve((srv.address() as {port: number}).port));
  });
}

/** N consecutive free ports on 127.0.0.1 and [::] (nothing holds them on return). */
async function freeRange(n: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const start = 20000 + Math.floor(Math.random() * 30000);
    const held: Array<Server> = [];
    try {
      for (let i = 0; i < n; i++) {
        const s = createServer();
        held.push(s);
        await listen(s, start + i, `0.0.0.0`);
      }
      return start;
    } catch {
      // taken: try another block
    } finally {
      await Promise.all(held.map(s => new Promise(r => s.close(r))));
    }
  }
  throw new Error(`no free port range`);
}

/** Starts portfwd; resolves once it wrote its ready byte. */
async function portfwd(specs: Array<string>): Promise<ChildProcess> {
  const child = spawn(HELPER_BIN, [`portfwd`, String(process.pid), ...specs], {stdio: [`ignore`, `pipe`, `pipe`, `pipe`]});
  let err = ``;
  child.stderr!.on(`data`, d => err += d);
  const ready = child.stdio[3] as NodeJS.ReadableStream;
  const first = await new Promise<string>((resolve, reject) => {
    ready.once(`data`, d => resolve(String(d)));
    child.once(`exit`, code => reject(new Error(`portfwd exited ${code}: ${err}`)));
  });
  if (first !== `1`) throw new Error(`portfwd said ${JSON.stringify(first)}`);
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once(`exit`, () => resolve());
    child.kill(`SIGKILL`);
  });
}

/** Sends `data`, half-closes, returns everything read until the peer's EOF. */
function roundTrip(port: number, data: Buffer, host = `127.0.0.1`): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = [];
    const c = connect({port, host});
    c.on(`data`, d => chunks.push(d));
    c.on(`end`, () => { resolve(Buffer.concat(chunks)); c.destroy(); });
    c.on(`error`, reject);
    c.end(data);
  });
}

/** An echo server that keeps its side open until the client's EOF (then ends too). */
function echoServer(): Server {
  return createServer({allowHalfOpen: true}, s => { s.on(`error`, () => {}); s.pipe(s); });
}

test(`a range forwards each port to its own container port; bytes both ways, half-close, integrity`, async t => {
  const inner = await freeRange(2), outer = await freeRange(2);
  const echo = echoServer();
  const big = randomBytes(24 << 20);
  const sender = createServer(s => { s.on(`error`, () => {}); s.end(big); });
  await listen(echo, inner);
  await listen(sender, inner + 1);
  const fwd = await portfwd([`127.0.0.1/${outer}-${outer + 1}:${inner}-${inner + 1}`]);
  try {
    const up = randomBytes(6 << 20);
    const back = await roundTrip(outer, up);
    t.is(back.length, up.length);
    t.is(sha(back), sha(up), `the echo came back intact`);
    const down = await roundTrip(outer + 1, Buffer.alloc(0));
    t.is(down.length, big.length);
    t.is(sha(down), sha(big), `24 MiB came through intact`);
  } finally {
    await stop(fwd);
    echo.close();
    sender.close();
  }
});

test(`a reset on either side reaches the other; nothing listening inside = a reset`, async t => {
  const inner = await freeRange(2), outer = await freeRange(2);
  const resetting = createServer(s => { s.on(`error`, () => {}); s.once(`data`, () => s.resetAndDestroy()); });
  await listen(resetting, inner);
  let saw: (what: string) => void = () => {};
  const serverSaw = new Promise<string>(resolve => { saw = resolve; setTimeout(() => resolve(`nothing after 10 s`), 10_000).unref(); });
  const watcher = createServer(s => {
    s.on(`error`, e => saw((e as NodeJS.ErrnoException).code ?? `error`));
    s.on(`end`, () => saw(`end`));
    s.resume();
  });
  await listen(watcher, inner + 1);
  const fwd = await portfwd([`127.0.0.1/${outer}-${outer + 1}:${inner}-${inner + 1}`]);
  try {
    const err = await t.throwsAsync(roundTripOpen(outer, Buffer.from(`hello`)));
    t.is((err as NodeJS.ErrnoException).code, `ECONNRESET`, `the server's reset`);
    // The client resets: the server inside sees a reset too, not a clean EOF.
    await new Promise<void>((resolve, reject) => {
      const c = connect({port: outer + 1, host: `127.0.0.1`}, () => c.write(`x`, () => setTimeout(() => { c.resetAndDestroy(); resolve(); }, 100)));
      c.on(`error`, reject);
    });
    t.is(await serverSaw, `ECONNRESET`, `the client's reset`);
    resetting.close();
    watcher.close();
    await new Promise(r => setTimeout(r, 50));
    // The reset may come before the client's write (EPIPE) or after it (ECONNRESET).
    const refused = await t.throwsAsync(roundTripOpen(outer, Buffer.from(`x`)));
    t.true([`ECONNRESET`, `EPIPE`].includes((refused as NodeJS.ErrnoException).code!), `refused: ${(refused as NodeJS.ErrnoException).code}`);
  } finally {
    await stop(fwd);
    resetting.close();
    watcher.close();
  }
});

/** Writes without half-closing; resolves at EOF, rejects on an error. */
function roundTripOpen(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = [];
    const c: Socket = connect({port, host: `127.0.0.1`}, () => c.write(data));
    c.on(`data`, d => chunks.push(d));
    c.on(`end`, () => resolve(Buffer.concat(chunks)));
    c.on(`error`, reject);
  });
}

test(`many connections at once, each its own bytes`, async t => {
  const inner = await freeRange(1), outer = await freeRange(1);
  const echo = echoServer();
  await listen(echo, inner);
  const fwd = await portfwd([`127.0.0.1/${outer}:${inner}`]);
  try {
    const payloads = Array.from({length: 64}, (_, i) => randomBytes(1000 + i * 4099));
    const results = await Promise.all(payloads.map(p => roundTrip(outer, p)));
    t.true(results.every((r, i) => sha(r) === sha(payloads[i]!)));
  } finally {
    await stop(fwd);
    echo.close();
  }
});

whenAvailable(haveIpv6, `IPv6 loopback (::1) on the host`)(`an empty address binds 0.0.0.0 and [::]`, async t => {
  const inner = await freeRange(1), outer = await freeRange(1);
  const echo = echoServer();
  await listen(echo, inner);
  const fwd = await portfwd([`${outer}:${inner}`]);
  try {
    t.is(String(await roundTrip(outer, Buffer.from(`v4`))), `v4`);
    t.is(String(await roundTrip(outer, Buffer.from(`v6`), `::1`)), `v6`);
  } finally {
    await stop(fwd);
    echo.close();
  }
});

test(`a host port in use: every port is bound before the ready byte, the reason in one line, exit 125`, async t => {
  const taken = createServer();
  const busy = await listen(taken);
  const free = await freeRange(1);
  try {
    // As a hook: `!` and the reason on fd 3, nothing on stderr, nothing ready.
    const hook = spawn(HELPER_BIN, [`portfwd`, String(process.pid), `127.0.0.1/${free}:80`, `127.0.0.1/${busy}:80`], {stdio: [`ignore`, `pipe`, `pipe`, `pipe`]});
    let fd3 = ``, stderr = ``;
    (hook.stdio[3] as NodeJS.ReadableStream).on(`data`, d => fd3 += d);
    hook.stderr!.on(`data`, d => stderr += d);
    const code = await new Promise(resolve => hook.once(`close`, resolve));
    t.is(code, 125);
    t.is(fd3, `!host port 127.0.0.1:${busy}/tcp is already in use\n`);
    t.is(stderr, ``);
    // By hand (no fd 3): the same line on stderr.
    const plain = spawn(HELPER_BIN, [`portfwd`, String(process.pid), `127.0.0.1/${busy}:80`], {stdio: [`ignore`, `pipe`, `pipe`]});
    let err2 = ``;
    plain.stderr!.on(`data`, d => err2 += d);
    t.is(await new Promise(resolve => plain.once(`close`, resolve)), 125);
    t.is(err2, `tspod-helper: host port 127.0.0.1:${busy}/tcp is already in use\n`);
    // The free port of the failed run is free again.
    const again = createServer();
    await t.notThrowsAsync(listen(again, free));
    again.close();
  } finally {
    taken.close();
  }
});

test(`bad arguments: usage, exit 125`, async t => {
  for (const args of [[], [`abc`, `80:80`], [String(process.pid), `80`], [String(process.pid), `8000-8001:80`], [String(process.pid), `nonsense/80:80`]]) {
    const c = spawn(HELPER_BIN, [`portfwd`, ...args], {stdio: [`ignore`, `ignore`, `pipe`]});
    let err = ``;
    c.stderr!.on(`data`, d => err += d);
    t.is(await new Promise(resolve => c.once(`close`, resolve)), 125, args.join(` `));
    t.regex(err, /tspod-helper: /, args.join(` `));
  }
});

// tspod-helper portfwd on its own, in the test's own namespaces (the pid given is the
// test's: joining namespaces one is already in is skipped), against real sockets:
// ranges, bytes both ways with half-close, integrity of a large transfer, resets passed
// on, many connections at once, [::] beside 0.0.0.0, and a port in use refused before
// anything is served, with the one-line reason on fd 3 (`!`) or stderr. UDP (`/udp`
// specs): datagrams both ways whole and unmerged, one flow (container-side socket) per
// client, a 60000-byte datagram intact, a UDP port in use refused the same way, and
// ICMP errors (nothing listening inside yet) survived.
import test from 'ava';
import {spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {createServer, connect} from 'node:net';
import type {Server, Socket} from 'node:net';
import {createSocket} from 'node:dgram';
import type {Socket as UdpSocket} from 'node:dgram';
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
    // Below the kernel's ephemeral range (32768 up): an outgoing connection of another test cannot take it meanwhile.
    const start = 20000 + Math.floor(Math.random() * 12000);
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

whenAvailable(haveIpv6, `IPv6 loopback (::1) on the host`)(`an empty address binds 0.0.0.0 and [::], tcp and udp`, async t => {
  const inner = await freeRange(1), outer = await freeRange(1);
  const echo = echoServer();
  await listen(echo, inner);
  const udpEcho = await udpEchoServer(inner);
  const fwd = await portfwd([`${outer}:${inner}`, `${outer}:${inner}/udp`]);
  const c4 = createSocket(`udp4`), c6 = createSocket(`udp6`);
  try {
    t.is(String(await roundTrip(outer, Buffer.from(`v4`))), `v4`);
    t.is(String(await roundTrip(outer, Buffer.from(`v6`), `::1`)), `v6`);
    await bindUdp(c4);
    await bindUdp(c6, 0, `::1`);
    t.is(String(await udpAsk(c4, outer, Buffer.from(`udp v4`))), `udp v4`);
    t.is(String(await udpAsk(c6, outer, Buffer.from(`udp v6`), `::1`)), `udp v6`);
  } finally {
    c4.close();
    c6.close();
    await stop(fwd);
    echo.close();
    udpEcho.sock.close();
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

/** Binds a UDP socket (port 0 = any free one); resolves with its port. */
function bindUdp(sock: UdpSocket, port = 0, host = `127.0.0.1`): Promise<number> {
  return new Promise((resolve, reject) => {
    sock.once(`error`, reject);
    sock.bind({port, address: host, exclusive: true}, () => { sock.off(`error`, reject); resolve(sock.address().port); });
  });
}

/** A UDP port free on 0.0.0.0 and for TCP too (nothing holds it on return). */
async function freeUdpPort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const start = await freeRange(1);
    const u = createSocket(`udp4`);
    try {
      await bindUdp(u, start, `0.0.0.0`);
      return start;
    } catch {
      // taken for UDP: try another
    } finally {
      try { u.close(); } catch {}
    }
  }
  throw new Error(`no free UDP port`);
}

/** The "container side": echoes each datagram to its sender and remembers the senders. */
async function udpEchoServer(port = 0): Promise<{sock: UdpSocket, port: number, peers: Set<string>}> {
  const sock = createSocket(`udp4`);
  const peers = new Set<string>();
  sock.on(`message`, (m, r) => { peers.add(`${r.address}:${r.port}`); sock.send(m, r.port, r.address); });
  return {sock, port: await bindUdp(sock, port), peers};
}

/** Sends one datagram and waits for one back (undefined after `ms`). */
function udpAsk(sock: UdpSocket, port: number, data: Buffer, host = `127.0.0.1`, ms = 500): Promise<Buffer | undefined> {
  return new Promise(resolve => {
    const timer = setTimeout(() => { sock.off(`message`, got); resolve(undefined); }, ms);
    function got(m: Buffer): void { clearTimeout(timer); resolve(m); }
    sock.once(`message`, got);
    sock.send(data, port, host);
  });
}

/** `n` datagrams, as they arrive, until `ms` passes without one. */
function udpCollect(sock: UdpSocket, n: number, ms = 2000): Promise<Array<Buffer>> {
  return new Promise(resolve => {
    const out: Array<Buffer> = [];
    let timer = setTimeout(done, ms);
    function done(): void { sock.off(`message`, got); resolve(out); }
    function got(m: Buffer): void {
      out.push(m);
      clearTimeout(timer);
      if (out.length === n) done();
      else timer = setTimeout(done, ms);
    }
    sock.on(`message`, got);
  });
}

test(`udp: datagrams both ways, whole and one for one; 60000 bytes intact; tcp and udp on the same port number`, async t => {
  const inner = await freeUdpPort(), outer = await freeUdpPort();
  const echo = await udpEchoServer(inner);
  const tcpEcho = echoServer();
  await listen(tcpEcho, inner);
  const fwd = await portfwd([`127.0.0.1/${outer}:${inner}/udp`, `127.0.0.1/${outer}:${inner}`]);
  const client = createSocket(`udp4`);
  await bindUdp(client);
  try {
    t.is(String(await udpAsk(client, outer, Buffer.from(`ping`))), `ping`);
    const big = randomBytes(60000);
    const back = await udpAsk(client, outer, big, `127.0.0.1`, 2000);
    t.is(back?.length, 60000, `the 60000-byte datagram came back whole`);
    t.is(sha(back ?? Buffer.alloc(0)), sha(big));
    // A burst of differently sized datagrams: as many come back, each its own size.
    const sizes = [1, 1472, 9000, 0, 30000, 7];
    const burst = sizes.map(n => randomBytes(n));
    const collected = udpCollect(client, sizes.length);
    for (const b of burst) client.send(b, outer, `127.0.0.1`);
    const got = await collected;
    t.deepEqual(got.map(b => b.length).sort((a, b) => a - b), [...sizes].sort((a, b) => a - b), `never merged or split`);
    t.deepEqual(new Set(got.map(sha)), new Set(burst.map(sha)));
    t.deepEqual([...echo.peers].map(p => p.split(`:`)[0]), [`127.0.0.1`], `one flow, from 127.0.0.1 inside`);
    t.is(String(await roundTrip(outer, Buffer.from(`tcp too`))), `tcp too`, `the tcp port of the same number`);
  } finally {
    client.close();
    await stop(fwd);
    echo.sock.close();
    tcpEcho.close();
  }
});

test(`udp: each client is its own flow and gets only its own replies`, async t => {
  const inner = await freeUdpPort(), outer = await freeUdpPort();
  const echo = await udpEchoServer(inner);
  const fwd = await portfwd([`127.0.0.1/${outer}:${inner}/udp`]);
  const clients = [createSocket(`udp4`), createSocket(`udp4`), createSocket(`udp4`)];
  try {
    for (const c of clients) await bindUdp(c);
    const rounds = 20;
    const results = await Promise.all(clients.map(async (c, i) => {
      const seen: Array<string> = [];
      c.on(`message`, m => seen.push(String(m)));
      for (let r = 0; r < rounds; r++) c.send(`client${i}-${r}`, outer, `127.0.0.1`);
      for (let w = 0; w < 40 && seen.length < rounds; w++) await new Promise(res => setTimeout(res, 50));
      return seen;
    }));
    results.forEach((seen, i) => {
      t.is(seen.length, rounds, `client ${i} got all its replies`);
      t.true(seen.every(m => m.startsWith(`client${i}-`)), `client ${i} got only its own: ${seen.join(` `)}`);
    });
    t.is(echo.peers.size, clients.length, `one container-side socket per client`);
  } finally {
    for (const c of clients) c.close();
    await stop(fwd);
    echo.sock.close();
  }
});

test(`udp: nothing listening inside (ICMP port unreachable) does not stop the forwarder`, async t => {
  const inner = await freeUdpPort(), outer = await freeUdpPort();
  const fwd = await portfwd([`127.0.0.1/${outer}:${inner}/udp`]);
  const client = createSocket(`udp4`);
  await bindUdp(client);
  let echo: Awaited<ReturnType<typeof udpEchoServer>> | undefined;
  try {
    // Each of these makes the flow's socket get ECONNREFUSED.
    for (let i = 0; i < 5; i++) t.is(await udpAsk(client, outer, Buffer.from(`lost`), `127.0.0.1`, 100), undefined);
    t.is(fwd.exitCode, null, `still running`);
    t.is(fwd.signalCode, null, `still running`);
    echo = await udpEchoServer(inner);
    // The same client (its flow had the errors) and a new one both get through now.
    t.is(String(await udpAsk(client, outer, Buffer.from(`after`))), `after`);
    const fresh = createSocket(`udp4`);
    await bindUdp(fresh);
    t.is(String(await udpAsk(fresh, outer, Buffer.from(`fresh`))), `fresh`);
    fresh.close();
  } finally {
    client.close();
    await stop(fwd);
    echo?.sock.close();
  }
});

test(`udp: a host port in use fails before the ready byte, the reason on fd 3, exit 125`, async t => {
  const taken = createSocket(`udp4`);
  const busy = await bindUdp(taken);
  const free = await freeUdpPort();
  try {
    const hook = spawn(HELPER_BIN, [`portfwd`, String(process.pid), `127.0.0.1/${free}:80/udp`, `127.0.0.1/${busy}:53/udp`], {stdio: [`ignore`, `pipe`, `pipe`, `pipe`]});
    let fd3 = ``, stderr = ``;
    (hook.stdio[3] as NodeJS.ReadableStream).on(`data`, d => fd3 += d);
    hook.stderr!.on(`data`, d => stderr += d);
    t.is(await new Promise(resolve => hook.once(`close`, resolve)), 125);
    t.is(fd3, `!host port 127.0.0.1:${busy}/udp is already in use\n`);
    t.is(stderr, ``);
    const again = createSocket(`udp4`);
    await t.notThrowsAsync(bindUdp(again, free), `the free port of the failed run is free again`);
    again.close();
  } finally {
    taken.close();
  }
});

test(`bad arguments: usage, exit 125`, async t => {
  for (const args of [[], [`abc`, `80:80`], [String(process.pid), `80`], [String(process.pid), `8000-8001:80`], [String(process.pid), `nonsense/80:80`],
    [String(process.pid), `80:80/sctp`], [String(process.pid), `80:80/udpx`], [String(process.pid), `127.0.0.1/80:80/tcp/udp`], [String(process.pid), `80/udp`]]) {
    const c = spawn(HELPER_BIN, [`portfwd`, ...args], {stdio: [`ignore`, `ignore`, `pipe`]});
    let err = ``;
    c.stderr!.on(`data`, d => err += d);
    t.is(await new Promise(resolve => c.once(`close`, resolve)), 125, args.join(` `));
    t.regex(err, /tspod-helper: /, args.join(` `));
  }
});

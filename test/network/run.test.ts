// --network, -p/-P, DNS files end to end, as the unprivileged test user: busybox httpd
// answers curl through each backend (TCP and UDP through tspod-helper portfwd), megabytes
// cross a published range intact, UDP echoes on 127.0.0.1, none has only lo,
// container:NAME shares a netns, clashes fail cleanly (before start and at start), and
// no network helper outlives its container.
import test from 'ava';
import {spawn, spawnSync, execFileSync} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {connect, createServer} from 'node:net';
import {createSocket} from 'node:dgram';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {createHash, randomBytes} from 'node:crypto';
import {join} from 'node:path';
import {tempStore} from '../_helpers/runCli';
import type {TempStore} from '../_helpers/runCli';
import {REGISTRY, SEEDED} from '../_helpers/registry';
import {TSPOD_BIN} from '../_helpers/project';
import {containerRecords, registriesEnv} from '../_helpers/imageEnv';
import {whenAvailable} from '../_helpers/features';
import {hostDefaultRoute, probeNetwork} from '../../src/network/probe';

const env = registriesEnv([REGISTRY]);
const BUSYBOX = SEEDED.busyboxGlibc;
const probe = probeNetwork(process.env.PATH);
const haveCurl = spawnSync(`curl`, [`--version`]).status === 0;
// The host's own non-loopback address: a port published on 127.0.0.1 must not answer there.
const HOST_ADDR = hostDefaultRoute()?.address;
let s: TempStore;

test.before(async () => {
  s = tempStore();
  const r = await s.run([`pull`, BUSYBOX], {env});
  if (r.code !== 0) throw new Error(`pull: ${r.stderr}`);
});
test.after.always(() => s?.cleanup());

/** Pushes busybox with EXPOSE 80/tcp 9999/udp added to its config as `:net-exposed` (the layers are already there). */
async function pushExposed(): Promise<string> {
  const base = `http://${REGISTRY}/v2/library/busybox`;
  const accept = `application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json`;
  let res = await fetch(`${base}/manifests/1.37.0-glibc`, {headers: {accept}});
  let manifest = await res.json() as any;
  let type = res.headers.get(`content-type`)!;
  if (manifest.manifests) {
    const m = manifest.manifests.find((x: any) => x.platform?.architecture === `amd64`) ?? manifest.manifests[0];
    res = await fetch(`${base}/manifests/${m.digest}`, {headers: {accept}});
    manifest = await res.json();
    type = res.headers.get(`content-type`)!;
  }
  const config = await (await fetch(`${base}/blobs/${manifest.config.digest}`)).json() as any;
  config.config = {...config.config, ExposedPorts: {'80/tcp': {}, '9999/udp': {}}};
  const bytes = Buffer.from(JSON.stringify(config));
  const digest = `sha256:${createHash(`sha256`).update(bytes).digest(`hex`)}`;
  const up = await fetch(`${base}/blobs/uploads/`, {method: `POST`});
  const loc = new URL(up.headers.get(`location`)!, `http://${REGISTRY}`);
  loc.searchParams.set(`digest`, digest);
  const put = await fetch(loc, {method: `PUT`, body: bytes, headers: {'content-type': `application/octet-stream`}});
  if (put.status !== 201) throw new Error(`config upload: ${put.status}`);
  manifest.config = {...manifest.config, digest, size: bytes.length};
  const mput = await fetch(`${base}/manifests/net-exposed`, {method: `PUT`, body: JSON.stringify(manifest), headers: {'content-type': type}});
  if (mput.status !== 201) throw new Error(`manifest upload: ${mput.status} ${await mput.text()}`);
  return `${REGISTRY}/library/busybox:net-exposed`;
}

const run = (args: Array<string>) => s.run([`run`, ...args], {env});

async function freePort(): Promise<number> {
  return new Promise(resolve => {
    const srv = createServer().listen(0, `127.0.0.1`, () => {
      const p = (srv.address() as {port: number}).port;
      srv.close(() => resolve(p));
    });
  });
}

/** `tspod run` in the foreground, in the background of the test. */
function background(args: Array<string>): ChildProcess & {out: () => string} {
  const child = spawn(process.execPath, [TSPOD_BIN, `--root`, s.root, `--runroot`, s.runroot, `run`, ...args], {env: {...process.env, ...env}, stdio: [`ignore`, `pipe`, `pipe`]});
  let out = ``;
  child.stdout!.on(`data`, d => out += d);
  child.stderr!.on(`data`, d => out += d);
  return Object.assign(child, {out: () => out});
}

async function curl(url: string, tries = 100): Promise<string> {
  for (let i = 0; i < tries; i++) {
    const r = spawnSync(`curl`, [`-sf`, `--max-time`, `2`, url], {encoding: `utf8`});
    if (r.status === 0) return r.stdout;
    await new Promise(res => setTimeout(res, 100));
  }
  throw new Error(`curl ${url} never answered`);
}

/** One socket for every try: `nc -lu -e cat` serves the first peer only. */
async function udpEcho(host: string, port: number, tries = 50): Promise<string> {
  const sock = createSocket(`udp4`);
  try {
    for (let i = 0; i < tries; i++) {
      const got = await new Promise<string | undefined>(resolve => {
        const timer = setTimeout(() => { sock.removeAllListeners(`message`); resolve(undefined); }, 300);
        sock.once(`message`, m => { clearTimeout(timer); resolve(m.toString()); });
        sock.send(`ping\n`, port, host);
      });
      if (got !== undefined) return got;
    }
  } finally {
    sock.close();
  }
  throw new Error(`no UDP echo on ${host}:${port}`);
}

/** Ends a background run: tspod killed, then its container (pid 1 of its own pid namespace ignores SIGTERM). */
async function stop(c: ChildProcess, name: string): Promise<void> {
  c.kill(`SIGKILL`);
  const pid = await containerPid(name, 10).catch(() => undefined);
  if (pid === undefined) return;
  try { process.kill(pid, `SIGKILL`); } catch {}
  for (let i = 0; i < 50 && backendsOf(pid).length > 0; i++) await new Promise(res => setTimeout(res, 100));
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise(resolve => child.once(`exit`, code => resolve(code)));
}

/** Pids of pasta / slirp4netns / tspod-helper portfwd processes of this user attached to container `pid`. */
function backendsOf(pid: number, which: RegExp = /./): Array<number> {
  const out: Array<number> = [];
  for (const d of readdirSync(`/proc`)) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, `utf8`).split(`\0`);
      const backend = /(pasta|slirp4netns)$/.test(argv[0] ?? ``) || (/tspod-helper$/.test(argv[0] ?? ``) && argv[1] === `portfwd`);
      if (backend && which.test(argv.slice(0, 2).join(` `)) && argv.includes(String(pid))) out.push(Number(d));
    } catch {}
  }
  return out;
}

function allBackends(): Array<string> {
  return execFileSync(`ps`, [`-u`, String(process.getuid!()), `-o`, `pid=,args=`], {encoding: `utf8`}).split(`\n`).filter(l => /\b(pasta|slirp4netns|portfwd)\b/.test(l) && !/\bps\b/.test(l));
}

/**
 * Backends started since `before` whose container is gone (others' tests may run as the
 * same user at the same time: their backends serve live containers). Waits a little
 * for them to go.
 */
async function leftBehind(before: Set<string>): Promise<Array<string>> {
  const orphans = () => allBackends().filter(l => {
    if (before.has(l)) return false;
    const pid = /portfwd (\d+)/.exec(l)?.[1] ?? /(\d+)(?: tap0)?$/.exec(l.trim())?.[1];
    return pid === undefined || !existsSync(`/proc/${pid}`);
  });
  // Up to 30 s: CI runs have counted another test file's pasta 3 s and once more than 10 s
  // after its container had died (not found since; it was gone by the end of the run); a
  // leak stays for good. What is left is named with its parent and age, to find whose it is.
  for (let i = 0; i < 300 && orphans().length > 0; i++) await new Promise(res => setTimeout(res, 100));
  return orphans().map(l => {
    const pid = l.trim().split(/\s+/)[0]!;
    try {
      return `${l} (${execFileSync(`ps`, [`-o`, `ppid=,etime=`, `-p`, pid], {encoding: `utf8`}).trim()}: ppid, age)`;
    } catch {
      return l;
    }
  });
}

async function containerPid(name: string, tries = 100): Promise<number> {
  for (let i = 0; i < tries; i++) {
    const list = containerRecords(s.root);
    const c = list.find(x => x.names.includes(name));
    if (c) {
      try {
        const dir = readdirSync(s.root).find(x => x.endsWith(`-containers`))!;
        const pid = Number(readFileSync(join(s.root, dir, c.id, `userdata/pidfile`), `utf8`));
        if (pid > 0) return pid;
      } catch {}
    }
    await new Promise(res => setTimeout(res, 100));
  }
  throw new Error(`no pid for ${name}`);
}

const backends = [
  [`pasta`, Boolean(probe.pasta && probe.devNetTun)],
  [`slirp4netns`, Boolean(probe.slirp4netns && probe.devNetTun)],
] as const;

for (const [backend, available] of backends) {
  whenAvailable(available && haveCurl, `${backend}, /dev/net/tun and curl`).serial(`${backend}: httpd answers on a published 127.0.0.1 port, tcp and udp, and the backend dies with the container`, async t => {
    const port = await freePort(), uport = await freePort();
    const name = `web-${backend}`;
    const c = background([`--rm`, `--name`, name, `--network`, backend, `-p`, `127.0.0.1:${port}:80`, `-p`, `127.0.0.1:${uport}:9999/udp`, BUSYBOX,
      `sh`, `-c`, `mkdir -p /www && echo hello-${backend} > /www/index.html && (nc -lu -p 9999 -e cat &) && exec httpd -f -p 80 -h /www`]);
    let pid: number | undefined;
    try {
      t.is((await curl(`http://127.0.0.1:${port}/`)).trim(), `hello-${backend}`);
      t.is(await udpEcho(`127.0.0.1`, uport), `ping\n`);
      pid = await containerPid(name);
      t.is(backendsOf(pid, new RegExp(backend)).length, 1, `a ${backend} process serves container ${pid}`);
      t.is(backendsOf(pid, /portfwd/).length, 1, `tspod-helper portfwd serves container ${pid}'s tcp and udp ports`);
      if (HOST_ADDR) {
        const other = spawnSync(`curl`, [`-sf`, `--max-time`, `1`, `http://${HOST_ADDR}:${port}/`]).status;
        t.not(other, 0, `published on 127.0.0.1 only`);
      }
      // kill -9 of tspod, then the container goes (as stop/rm -f do): no backend is left
      c.kill(`SIGKILL`);
      await exited(c);
      process.kill(pid, `SIGKILL`);
      for (let i = 0; i < 50 && backendsOf(pid).length > 0; i++) await new Promise(res => setTimeout(res, 100));
      t.deepEqual(backendsOf(pid), [], `no ${backend} left for container ${pid}`);
    } finally {
      await stop(c, name);
    }
  });
}

for (const [backend, available] of backends) {
  whenAvailable(available && haveCurl, `${backend}, /dev/net/tun and curl`).serial(`${backend}: run -d publishes its port for the container's life; stop, start and rm -f leave no backend`, async t => {
    const port = await freePort();
    const name = `detached-${backend}`;
    const before = new Set(allBackends());
    const r = await run([`-d`, `--name`, name, `--network`, backend, `-p`, `127.0.0.1:${port}:80`, BUSYBOX,
      `sh`, `-c`, `mkdir -p /www && echo hello-detached > /www/index.html && exec httpd -f -p 80 -h /www`]);
    try {
      t.is(r.code, 0, r.stderr);
      t.is((await curl(`http://127.0.0.1:${port}/`)).trim(), `hello-detached`);
      // The port stays up after tspod run has long exited.
      await new Promise(res => setTimeout(res, 500));
      t.is((await curl(`http://127.0.0.1:${port}/`)).trim(), `hello-detached`);
      t.is((await s.run([`stop`, `-t`, `0`, name])).code, 0);
      t.deepEqual(await leftBehind(before), [], `stopped: no backend left`);
      t.is((await s.run([`start`, name])).code, 0);
      t.is((await curl(`http://127.0.0.1:${port}/`)).trim(), `hello-detached`);
    } finally {
      t.is((await s.run([`rm`, `-f`, `-t`, `0`, name])).code, 0);
    }
    t.deepEqual(await leftBehind(before), [], `removed: no backend left`);
  });
}

/** Sends `data` to 127.0.0.1:port, half-closes, returns what comes back until EOF. */
function roundTrip(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = [];
    const c = connect({port, host: `127.0.0.1`});
    c.on(`data`, d => chunks.push(d));
    c.on(`end`, () => { resolve(Buffer.concat(chunks)); c.destroy(); });
    c.on(`error`, reject);
    c.end(data);
  });
}

const sha256 = (b: Buffer | string) => createHash(`sha256`).update(b).digest(`hex`);

for (const [backend, available] of backends) {
  whenAvailable(available && haveCurl, `${backend}, /dev/net/tun and curl`).serial(`${backend}: a published port range carries megabytes intact both ways`, async t => {
    let port = 0;
    for (let i = 0; i < 20 && port === 0; i++) {
      const p = await freePort();
      const second = createServer();
      if (await new Promise<boolean>(res => second.once(`error`, () => res(false)).listen(p + 1, `127.0.0.1`, () => second.close(() => res(true))))) port = p;
    }
    const name = `bulk-${backend}`;
    // 80: httpd serves 12 MiB of random bytes and their sha256; 81: nc echoes one connection.
    const c = background([`--rm`, `--name`, name, `--network`, backend, `-p`, `127.0.0.1:${port}-${port + 1}:80-81`, BUSYBOX, `sh`, `-c`,
      `mkdir -p /www && head -c 12582912 /dev/urandom > /www/big && sha256sum /www/big | cut -d' ' -f1 > /www/big.sha256 && (nc -l -p 81 -e cat &) && exec httpd -f -p 80 -h /www`]);
    try {
      const want = (await curl(`http://127.0.0.1:${port}/big.sha256`)).trim();
      const r = spawnSync(`curl`, [`-sf`, `--max-time`, `60`, `http://127.0.0.1:${port}/big`], {maxBuffer: 64 << 20});
      t.is(r.status, 0, String(r.stderr));
      t.is(r.stdout.length, 12582912);
      t.is(sha256(r.stdout), want, `12 MiB downloaded intact`);
      const up = randomBytes(5 << 20);
      const back = await roundTrip(port + 1, up);
      t.is(back.length, up.length);
      t.is(sha256(back), sha256(up), `5 MiB echoed intact, EOF passed both ways`);
    } finally {
      await stop(c, name);
    }
  });
}

whenAvailable(backends[0][1], `pasta`).serial(`a host port taken between create and start: portfwd refuses it in one line, exit 125, nothing left running`, async t => {
  const port = await freePort();
  const created = await s.run([`create`, `--name`, `clash-start`, `-p`, `127.0.0.1:${port}:80`, BUSYBOX, `sleep`, `60`], {env});
  t.is(created.code, 0, created.stderr);
  const srv = createServer().listen(port, `127.0.0.1`);
  await new Promise(res => srv.once(`listening`, res));
  try {
    const before = new Set(allBackends());
    const r = await s.run([`start`, `clash-start`]);
    t.is(r.code, 125);
    t.is(r.stderr.trim(), `Error: host port 127.0.0.1:${port}/tcp is already in use`);
    t.deepEqual(await leftBehind(before), [], `no network helper left`);
  } finally {
    srv.close();
    await s.run([`rm`, `-f`, `-t`, `0`, `clash-start`]);
  }
});

whenAvailable(backends[0][1] && haveCurl, `pasta and curl`).serial(`-P publishes every EXPOSEd port to a random host port; tspod port shows them`, async t => {
  const image = await pushExposed();
  const c = background([`--rm`, `--name`, `exposed`, `-P`, image, `sh`, `-c`, `mkdir -p /www && echo exposed > /www/index.html && exec httpd -f -p 80 -h /www`]);
  try {
    await containerPid(`exposed`);
    const r = await s.run([`port`, `exposed`]);
    t.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split(`\n`).sort();
    t.is(lines.length, 2, r.stdout);
    const tcp = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(lines[0]!);
    t.truthy(tcp, lines[0]);
    t.regex(lines[1]!, /^9999\/udp -> 0\.0\.0\.0:\d+$/);
    t.is((await curl(`http://127.0.0.1:${tcp![1]}/`)).trim(), `exposed`);
  } finally {
    await stop(c, `exposed`);
  }
});

whenAvailable(haveCurl, `curl`).serial(`--network host: httpd listens on the host itself`, async t => {
  const port = await freePort();
  const c = background([`--rm`, `--name`, `hostnet`, `--network`, `host`, BUSYBOX, `sh`, `-c`, `mkdir -p /tmp/www && echo hello-host > /tmp/www/index.html && exec httpd -f -p 127.0.0.1:${port} -h /tmp/www`]);
  try {
    t.is((await curl(`http://127.0.0.1:${port}/`)).trim(), `hello-host`);
  } finally {
    await stop(c, `hostnet`);
  }
});

test.serial(`--network none has only the loopback interface, up`, async t => {
  const r = await run([`--rm`, `--network`, `none`, BUSYBOX, `sh`, `-c`, `ls /sys/class/net; cat /proc/net/dev | tail -n +3 | cut -d: -f1; ip -o link show lo`]);
  t.is(r.code, 0, r.stderr);
  const ifaces = r.stdout.split(`\n`)[0];
  t.is(ifaces?.trim(), `lo`);
  t.regex(r.stdout, /lo:.*UP/);
});

whenAvailable(backends[0][1], `pasta`).serial(`the default network has an interface besides lo`, async t => {
  const r = await run([`--rm`, BUSYBOX, `ls`, `/sys/class/net`]);
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.split(/\s+/).filter(x => x !== `` && x !== `lo`).length >= 1, r.stdout);
});

whenAvailable(backends[0][1], `pasta`).serial(`--network container:NAME sees the other container's listener on localhost`, async t => {
  const a = background([`--rm`, `--name`, `netowner`, BUSYBOX, `sh`, `-c`, `mkdir -p /www && echo shared-ns > /www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /www`]);
  try {
    await containerPid(`netowner`);
    let out = ``;
    for (let i = 0; i < 50; i++) {
      const r = await run([`--rm`, `--network`, `container:netowner`, BUSYBOX, `wget`, `-qO-`, `http://127.0.0.1:8080/`]);
      out = r.stdout + r.stderr;
      if (r.code === 0) break;
      await new Promise(res => setTimeout(res, 200));
    }
    t.is(out.trim(), `shared-ns`);
  } finally {
    await stop(a, `netowner`);
  }
});

test.serial(`/etc/hosts, /etc/resolv.conf and /etc/hostname follow --hostname, --add-host and --dns*`, async t => {
  const r = await run([`--rm`, `--network`, `none`, `--hostname`, `box1`, `--name`, `dnsbox`, `--add-host`, `db.local:10.1.2.3`, `--add-host`, `a;b:10.9.9.9`,
    `--dns`, `10.0.0.53`, `--dns-search`, `example.org`, `--dns-option`, `ndots:3`, BUSYBOX, `sh`, `-c`, `cat /etc/hosts; echo ===; cat /etc/resolv.conf; echo ===; cat /etc/hostname; hostname`]);
  t.is(r.code, 0, r.stderr);
  const [hosts, resolv, name] = r.stdout.split(`===\n`);
  t.regex(hosts!, /^127\.0\.0\.1\s+localhost/m);
  t.regex(hosts!, /^10\.1\.2\.3\s+db\.local$/m);
  t.regex(hosts!, /^10\.9\.9\.9\s+a b$/m);
  t.regex(hosts!, /\sbox1 dnsbox$/m);
  t.is(resolv, `search example.org\nnameserver 10.0.0.53\noptions ndots:3\n`);
  t.is(name, `box1\nbox1\n`);
});

whenAvailable(backends[1][1], `slirp4netns`).serial(`slirp4netns: resolv.conf names its DNS forwarder first, hosts its address`, async t => {
  const r = await run([`--rm`, `--network`, `slirp4netns`, `--hostname`, `sl`, BUSYBOX, `sh`, `-c`, `cat /etc/resolv.conf; echo ===; cat /etc/hosts; echo ===; ip -o -4 addr show tap0`]);
  t.is(r.code, 0, r.stderr);
  // Only the container's output: slirp4netns's own ("sent tapfd=…", its warnings) is not shown.
  t.is(r.stderr, ``);
  t.regex(r.stdout, /^nameserver /);
  const [resolv, hosts, addr] = r.stdout.split(`===\n`);
  t.regex(resolv!, /^nameserver 10\.0\.2\.3$/m);
  t.is(resolv!.match(/^nameserver (\S+)/m)?.[1], `10.0.2.3`);
  t.regex(hosts!, /^10\.0\.2\.100\s+sl\b/m);
  t.regex(addr!, /10\.0\.2\.100\//);
});

whenAvailable(backends[1][1], `slirp4netns`).serial(`a backend that fails before it is ready: its own words in the one-line error, exit 125`, async t => {
  const r = await run([`--rm`, `--network`, `slirp4netns:outbound_addr=nosuchif0`, BUSYBOX, `echo`, `ran`]);
  t.is(r.code, 125);
  t.regex(r.stderr, /^Error: network backend `\S*slirp4netns` exited with status 1 before it was ready: .*outbound-addr/m);
  t.is(r.stdout, ``);
});

test.serial(`a host port in use fails cleanly: named, exit 125, nothing left running`, async t => {
  const srv = createServer().listen(0, `127.0.0.1`);
  await new Promise(res => srv.once(`listening`, res));
  const port = (srv.address() as {port: number}).port;
  try {
    const before = new Set(allBackends());
    const r = await run([`--rm`, `-p`, `127.0.0.1:${port}:80`, BUSYBOX, `true`]);
    t.is(r.code, 125);
    t.regex(r.stderr, new RegExp(`^Error: host port 127\\.0\\.0\\.1:${port}/tcp is already in use$`, `m`), r.stderr);
    t.deepEqual(await leftBehind(before), [], `no network helper left`);
  } finally {
    srv.close();
  }
});

test.serial(`host problems: unknown --network, bad -p, explained in one line with a fix`, async t => {
  const r1 = await run([`--rm`, `--network`, `bogus`, BUSYBOX, `true`]);
  t.is(r1.code, 125);
  t.regex(r1.stderr, /unknown network mode "bogus"/);
  t.regex(r1.stderr, /pasta, slirp4netns, host, none or container:NAME/);
  const r2 = await run([`--rm`, `-p`, `70000:80`, BUSYBOX, `true`]);
  t.is(r2.code, 125);
  t.regex(r2.stderr, /out of range/);
  const r3 = await run([`--rm`, `--network`, `slirp4netns:port_handler=rootlesskit`, BUSYBOX, `true`]);
  t.is(r3.code, 125);
  t.regex(r3.stderr, /rootlesskit/);
});

test.serial(`tspod port lists the recorded mappings, random host ports included`, async t => {
  const c = await s.run([`create`, `--name`, `ported`, `-p`, `127.0.0.1:18080:80`, `-p`, `90`, `-p`, `53/udp`, BUSYBOX, `true`], {env});
  t.is(c.code, 0, c.stderr);
  const r = await s.run([`port`, `ported`]);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split(`\n`);
  t.is(lines[0], `80/tcp -> 127.0.0.1:18080`);
  t.regex(lines[1]!, /^90\/tcp -> 0\.0\.0\.0:\d+$/);
  t.regex(lines[2]!, /^53\/udp -> 0\.0\.0\.0:\d+$/);
  const one = await s.run([`port`, `ported`, `80`]);
  t.is(one.stdout.trim(), `127.0.0.1:18080`);
});

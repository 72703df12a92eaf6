// Published ports (`-p`, `-P`): podman's syntax [[ip:][hostPort]:]containerPort[/proto],
// ranges on either side, a random free host port when none is given, and clash
// detection by binding the exact host address. Parsing is pure; `assignPorts` and
// `checkPortsFree` touch the host's sockets.
import {dgram, net} from '../util/lazyBuiltins';
import {TspodError} from '../engine/errors';

export type Protocol = `tcp` | `udp`;

/** One published range: hostPort..hostPort+range-1 → containerPort..containerPort+range-1. */
export interface PortMapping {
  /** Host address to bind; `` = every address (podman's 0.0.0.0). */
  hostIp: string;
  /** 0 until assigned: a random free port. */
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
  range: number;
}

function bad(message: string, hint?: string): TspodError {
  return new TspodError(`InvalidArgument`, message, hint === undefined ? {} : {hint});
}

const HINT = `use -p [ip:][hostPort:]containerPort[/tcp|/udp], e.g. -p 8080:80 or -p 127.0.0.1:8080:80/tcp`;

function parseRange(s: string, what: string, spec: string): {start: number, count: number} {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw bad(`invalid ${what} "${s}" in -p "${spec}"`, HINT);
  const start = Number(m[1]), end = m[2] === undefined ? start : Number(m[2]);
  if (start < 1 || start > 65535 || end < 1 || end > 65535) throw bad(`${what} "${s}" in -p "${spec}" is out of range 1-65535`);
  if (end < start) throw bad(`invalid ${what} range "${s}" in -p "${spec}": the end is before the start`);
  return {start, count: end - start + 1};
}

/** Splits `ip:host:ctr`, `host:ctr`, `ctr`, with `[v6]` addresses. */
function splitSpec(body: string, spec: string): {ip: string, host: string, ctr: string} {
  let ip = ``, rest = body;
  if (rest.startsWith(`[`)) {
    const close = rest.indexOf(`]`);
    if (close < 0 || rest[close + 1] !== `:`) throw bad(`invalid IPv6 address in -p "${spec}"`, HINT);
    ip = rest.slice(1, close);
    rest = rest.slice(close + 2);
    const [host, ctr, ...more] = rest.split(`:`);
    if (more.length > 0 || ctr === undefined) throw bad(`invalid port format "${spec}"`, HINT);
    return {ip, host: host!, ctr};
  }
  const parts = rest.split(`:`);
  if (parts.length === 1) return {ip: ``, host: ``, ctr: parts[0]!};
  if (parts.length === 2) return {ip: ``, host: parts[0]!, ctr: parts[1]!};
  if (parts.length === 3) return {ip: parts[0]!, host: parts[1]!, ctr: parts[2]!};
  throw bad(`invalid port format "${spec}"`, `put an IPv6 host address in brackets: -p [::1]:8080:80`);
}

/** Parses one `-p` value into one mapping per protocol. */
export function parsePortSpec(spec: string): Array<PortMapping> {
  const slash = spec.lastIndexOf(`/`);
  const body = slash < 0 ? spec : spec.slice(0, slash);
  const protos = slash < 0 ? [`tcp`] : spec.slice(slash + 1).split(`,`);
  const protocols: Array<Protocol> = [];
  for (const p of protos) {
    const l = p.toLowerCase();
    if (l !== `tcp` && l !== `udp`) throw bad(`invalid protocol "${p}" in -p "${spec}"`, `use /tcp or /udp (sctp is not supported by rootless networking)`);
    if (!protocols.includes(l)) protocols.push(l);
  }
  const {ip, host, ctr} = splitSpec(body, spec);
  if (ip !== `` && net().isIP(ip) === 0) throw bad(`invalid host IP "${ip}" in -p "${spec}"`, HINT);
  if (ctr === ``) throw bad(`-p "${spec}" has no container port`, HINT);
  const c = parseRange(ctr, `container port`, spec);
  let hostPort = 0;
  if (host !== ``) {
    const h = parseRange(host, `host port`, spec);
    if (h.count !== c.count)
      throw bad(`host port range ${host} and container port range ${ctr} in -p "${spec}" differ in size`, `give ranges of the same length, e.g. -p 8000-8002:80-82`);
    hostPort = h.start;
  }
  return protocols.map(protocol => ({hostIp: ip, hostPort, containerPort: c.start, protocol, range: c.count}));
}

/** The image's `ExposedPorts` keys (`80/tcp`, `53/udp`, `8000-8002/tcp`) as random-host-port mappings (-P). */
export function exposedToMappings(exposed: Readonly<Record<string, unknown>> | undefined): Array<PortMapping> {
  const out: Array<PortMapping> = [];
  for (const key of Object.keys(exposed ?? {})) {
    const [port, proto = `tcp`] = key.split(`/`);
    const l = proto.toLowerCase();
    if (l !== `tcp` && l !== `udp`) continue;
    const r = parseRange(port!, `exposed port`, key);
    out.push({hostIp: ``, hostPort: 0, containerPort: r.start, protocol: l, range: r.count});
  }
  return out;
}

function overlaps(a: PortMapping, b: PortMapping): boolean {
  if (a.protocol !== b.protocol) return false;
  const sameIp = a.hostIp === b.hostIp || a.hostIp === `` || b.hostIp === ``;
  return sameIp && a.hostPort < b.hostPort + b.range && b.hostPort < a.hostPort + a.range;
}

/** `-p` values plus `-P` (the image's EXPOSE) → mappings, duplicates and overlaps refused. */
export function parsePorts(specs: ReadonlyArray<string>, publishAll: boolean, exposed?: Readonly<Record<string, unknown>>): Array<PortMapping> {
  const explicit = specs.flatMap(parsePortSpec);
  const out = [...explicit];
  if (publishAll)
    for (const e of exposedToMappings(exposed))
      if (!explicit.some(m => m.protocol === e.protocol && m.containerPort <= e.containerPort && e.containerPort < m.containerPort + m.range))
        out.push(e);
  for (let i = 0; i < out.length; i++)
    for (let j = i + 1; j < out.length; j++)
      if (out[i]!.hostPort !== 0 && out[j]!.hostPort !== 0 && overlaps(out[i]!, out[j]!))
        throw bad(`host port ${out[j]!.hostPort}/${out[j]!.protocol} is published twice`, `give each -p its own host port`);
  return out;
}

/** podman's `tspod port` lines: `80/tcp -> 0.0.0.0:8080`, one per port of each range. */
export function formatMappings(mappings: ReadonlyArray<PortMapping>): Array<{containerPort: number, protocol: Protocol, hostIp: string, hostPort: number}> {
  const out: Array<{containerPort: number, protocol: Protocol, hostIp: string, hostPort: number}> = [];
  for (const m of mappings)
    for (let i = 0; i < m.range; i++)
      out.push({containerPort: m.containerPort + i, protocol: m.protocol, hostIp: m.hostIp === `` ? `0.0.0.0` : m.hostIp, hostPort: m.hostPort + i});
  return out;
}

// ---------------------------------------------------------------- host sockets

function bindOnce(protocol: Protocol, ip: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (protocol === `tcp`) {
      const srv = net().createServer();
      srv.once(`error`, reject);
      srv.listen({host: ip === `` ? `0.0.0.0` : ip, port, exclusive: true}, () => {
        const p = (srv.address() as {port: number}).port;
        srv.close(() => resolve(p));
      });
    } else {
      const sock = dgram().createSocket(net().isIP(ip) === 6 ? `udp6` : `udp4`);
      sock.once(`error`, reject);
      sock.bind({address: ip === `` ? (net().isIP(ip) === 6 ? `::` : `0.0.0.0`) : ip, port, exclusive: true}, () => {
        const p = sock.address().port;
        sock.close(() => resolve(p));
      });
    }
  });
}

function clashError(m: PortMapping, port: number, err: NodeJS.ErrnoException): TspodError {
  const where = `${m.hostIp === `` ? `0.0.0.0` : m.hostIp}:${port}/${m.protocol}`;
  if (err.code === `EADDRINUSE`)
    return new TspodError(`InvalidArgument`, `host port ${where} is already in use`, {hint: `stop what listens on port ${port} or publish another host port (-p OTHER:${m.containerPort + (port - m.hostPort)})`});
  if (err.code === `EADDRNOTAVAIL`)
    return new TspodError(`InvalidArgument`, `cannot publish on ${where}: the host has no address ${m.hostIp}`, {hint: `use an address of this host, or leave it out to bind every address`});
  if (err.code === `EACCES`)
    return new TspodError(`InvalidArgument`, `cannot publish on ${where}: ports below 1024 need privileges`, {hint: `use a host port of 1024 or above, or lower net.ipv4.ip_unprivileged_port_start`});
  return new TspodError(`InvalidArgument`, `cannot publish on ${where}: ${err.code ?? err.message}`);
}

/** Every mapping's host ports are free right now (bind and release); throws naming the first taken one. */
export async function checkPortsFree(mappings: ReadonlyArray<PortMapping>): Promise<void> {
  for (const m of mappings)
    for (let i = 0; i < m.range; i++) {
      const port = m.hostPort + i;
      try {
        await bindOnce(m.protocol, m.hostIp, port);
      } catch (err) {
        throw clashError(m, port, err as NodeJS.ErrnoException);
      }
    }
}

async function randomFree(m: PortMapping, taken: Set<string>): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    let port: number;
    if (m.range === 1) {
      port = await bindOnce(m.protocol, m.hostIp, 0);
    } else {
      port = 10000 + Math.floor(Math.random() * (60000 - m.range));
      try {
        for (let i = 0; i < m.range; i++) await bindOnce(m.protocol, m.hostIp, port + i);
      } catch {
        continue;
      }
    }
    let clash = false;
    for (let i = 0; i < m.range; i++) if (taken.has(`${m.protocol}/${port + i}`)) clash = true;
    if (!clash) return port;
  }
  throw new TspodError(`Host`, `found no free host port for container port ${m.containerPort}/${m.protocol}`, {hint: `publish an explicit host port with -p HOST:${m.containerPort}`});
}

/** Gives every mapping without a host port a random free one (same port for tcp and udp where podman does). */
export async function assignPorts(mappings: ReadonlyArray<PortMapping>): Promise<Array<PortMapping>> {
  const taken = new Set<string>();
  for (const m of mappings) if (m.hostPort !== 0) for (let i = 0; i < m.range; i++) taken.add(`${m.protocol}/${m.hostPort + i}`);
  const out: Array<PortMapping> = [];
  for (const m of mappings) {
    if (m.hostPort !== 0) {
      out.push({...m});
      continue;
    }
    const port = await randomFree(m, taken);
    for (let i = 0; i < m.range; i++) taken.add(`${m.protocol}/${port + i}`);
    out.push({...m, hostPort: port});
  }
  return out;
}

/** podman's PORTS column: `0.0.0.0:8080->80/tcp`, a range as `0.0.0.0:8080-8081->80-81/tcp`. */
export function portsColumn(mappings: ReadonlyArray<PortMapping>): string {
  return mappings.map(m => {
    const host = m.hostIp === `` ? `0.0.0.0` : m.hostIp.includes(`:`) ? `[${m.hostIp}]` : m.hostIp;
    const span = (p: number) => m.range > 1 ? `${p}-${p + m.range - 1}` : String(p);
    return `${host}:${span(m.hostPort)}->${span(m.containerPort)}/${m.protocol}`;
  }).join(`, `);
}

/** inspect's NetworkSettings.Ports and HostConfig.PortBindings: `80/tcp` → [{HostIp, HostPort}]. */
export function portBindings(mappings: ReadonlyArray<PortMapping>): Record<string, Array<{HostIp: string, HostPort: string}>> {
  const out: Record<string, Array<{HostIp: string, HostPort: string}>> = {};
  for (const m of mappings)
    for (let i = 0; i < m.range; i++)
      (out[`${m.containerPort + i}/${m.protocol}`] ??= []).push({HostIp: m.hostIp, HostPort: String(m.hostPort + i)});
  return out;
}

// /etc/hosts and /etc/resolv.conf for a container, podman's rules (common/libnetwork/
// etchosts, resolvconf): --dns replaces the host's name servers, --dns-search its
// search domains (`.` = none), --dns-option its options; loopback name servers of the
// host are useless in a new network namespace and are dropped, the backend's DNS
// forwarder comes first; --network host keeps the host's files. Pure: the host's
// files come in as text.
import {net} from '../util/lazyBuiltins';
import {TspodError} from '../engine/errors';

export interface DnsOptions {
  servers: Array<string>;
  search: Array<string>;
  options: Array<string>;
}

export interface HostEntry {
  names: Array<string>;
  ip: string;
}

function bad(message: string, hint?: string): TspodError {
  return new TspodError(`InvalidArgument`, message, hint === undefined ? {} : {hint});
}

/** `--dns`, `--dns-search`, `--dns-option` values (each may be repeated), checked. */
export function parseDnsOptions(servers: ReadonlyArray<string> = [], search: ReadonlyArray<string> = [], options: ReadonlyArray<string> = []): DnsOptions {
  for (const s of servers)
    if (net().isIP(s) === 0 && s !== `none`) throw bad(`invalid --dns "${s}": not an IP address`, `give a name server's address, e.g. --dns 10.0.2.3`);
  for (const d of search)
    if (d !== `.` && !/^[a-zA-Z0-9_]([a-zA-Z0-9_.-]*[a-zA-Z0-9])?$/.test(d)) throw bad(`invalid --dns-search "${d}"`, `give a domain name, or . for none`);
  for (const o of options)
    if (o === `` || /\s/.test(o)) throw bad(`invalid --dns-option "${o}"`, `give one resolver option, e.g. --dns-option ndots:2`);
  return {servers: [...servers], search: [...search], options: [...options]};
}

/** `--add-host host[;host2]:ip` (podman also takes `host=ip`); `host-gateway` as ip is resolved by the caller. */
export function parseAddHost(spec: string): HostEntry {
  const m = /^([^:=]+)[:=](.+)$/.exec(spec);
  const ip = m?.[2]?.replace(/^\[(.*)\]$/, `$1`);
  if (!m || !ip) throw bad(`invalid --add-host "${spec}": want host:ip`, `e.g. --add-host db.local:10.0.0.5`);
  const names = m[1]!.split(`;`);
  for (const n of names)
    if (!/^[a-zA-Z0-9_]([a-zA-Z0-9_.-]*[a-zA-Z0-9_])?$/.test(n)) throw bad(`invalid host name "${n}" in --add-host "${spec}"`);
  if (ip !== `host-gateway` && net().isIP(ip) === 0) throw bad(`invalid IP address "${ip}" in --add-host "${spec}"`);
  return {names, ip};
}

interface Resolv {
  nameservers: Array<string>;
  search: Array<string>;
  options: Array<string>;
  other: Array<string>;
}

export function parseResolvConf(text: string | undefined): Resolv {
  const r: Resolv = {nameservers: [], search: [], options: [], other: []};
  for (const raw of (text ?? ``).split(`\n`)) {
    const line = raw.trim();
    if (line === `` || line.startsWith(`#`) || line.startsWith(`;`)) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === `nameserver` && rest[0]) r.nameservers.push(rest[0]);
    else if (key === `search` || key === `domain`) r.search = rest;
    else if (key === `options`) r.options.push(...rest);
    else r.other.push(line);
  }
  return r;
}

function isLoopback(ip: string): boolean {
  return /^127\./.test(ip) || ip === `::1`;
}

export interface ResolvInput {
  hostResolvConf: string | undefined;
  dns: DnsOptions;
  /** The backend's DNS forwarder (slirp4netns 10.0.2.3, pasta's mapped address), first in the list. */
  forwarder?: string | undefined;
  /** --network host: the host's loopback resolvers stay reachable. */
  keepLoopback: boolean;
  /** Whether the container has IPv6 (else IPv6 name servers are left out). */
  ipv6: boolean;
}

/** The container's /etc/resolv.conf text. */
export function resolvConfFor(input: ResolvInput): string {
  const host = parseResolvConf(input.hostResolvConf);
  let servers: Array<string>;
  if (input.dns.servers.length > 0) {
    servers = input.dns.servers.includes(`none`) ? [] : input.dns.servers;
  } else {
    servers = host.nameservers.filter(s => input.keepLoopback || !isLoopback(s));
    if (!input.ipv6) servers = servers.filter(s => !s.includes(`:`)); // IPv6 (an address with a colon); not net.isIP: loading node:net costs ~5 ms of every run
    if (input.forwarder !== undefined) servers = [input.forwarder, ...servers.filter(s => s !== input.forwarder)];
    if (servers.length === 0 && !input.keepLoopback) servers = [`8.8.8.8`, `8.8.4.4`];
  }
  const search = input.dns.search.length > 0 ? input.dns.search.filter(s => s !== `.`) : host.search;
  const options = input.dns.options.length > 0 ? input.dns.options : host.options;
  const lines: Array<string> = [];
  if (search.length > 0) lines.push(`search ${search.join(` `)}`);
  for (const s of servers) lines.push(`nameserver ${s}`);
  if (options.length > 0) lines.push(`options ${options.join(` `)}`);
  return lines.length === 0 ? `` : `${lines.join(`\n`)}\n`;
}

export interface HostsInput {
  hostname: string;
  name: string;
  /** The container's own address (its hostname resolves to it), else 127.0.0.1. */
  containerIp?: string | undefined;
  /** Address of the host as seen from the container (host.containers.internal). */
  hostGatewayIp?: string | undefined;
  addHosts: Array<HostEntry>;
  /** --network host: the host's /etc/hosts text, kept as it is. */
  hostHosts?: string | undefined;
  /** Another network: the host's /etc/hosts, whose entries the container gets too (podman's base hosts file). */
  baseHosts?: string | undefined;
}

const LOCALHOST = [
  `127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4`,
  `::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6`,
];

/** The entries of a hosts file as `ADDRESS\tNAMES` lines: comments and blank lines dropped. */
export function hostsEntries(text: string): Array<string> {
  const out: Array<string> = [];
  for (const line of text.split(`\n`)) {
    const fields = line.replace(/#.*/, ``).trim().split(/\s+/);
    if (fields.length >= 2) out.push(`${fields[0]}\t${fields.slice(1).join(` `)}`);
  }
  return out;
}

/**
 * The container's /etc/hosts, in podman's order: --add-host entries (so they win), the
 * host's entries (localhost added when they lack it), host.containers.internal, then
 * the container's own address with its hostname and name.
 */
export function hostsFor(input: HostsInput): string {
  const lines: Array<string> = [];
  for (const h of input.addHosts) {
    const ip = h.ip === `host-gateway` ? input.hostGatewayIp : h.ip;
    if (ip === undefined) throw bad(`--add-host ${h.names.join(`;`)}:host-gateway needs a network that reaches the host`, `use slirp4netns or pasta, or give an address`);
    lines.push(`${ip}\t${h.names.join(` `)}`);
  }
  const names = [...new Set([input.hostname, input.name])].join(` `);
  if (input.hostHosts !== undefined) {
    const own = input.hostHosts.split(`\n`).some(l => l.split(/\s+/).slice(1).includes(input.hostname));
    return `${[...lines, ...input.hostHosts.replace(/\n+$/, ``).split(`\n`), ...own ? [] : [`127.0.0.1\t${names}`]].join(`\n`)}\n`;
  }
  const base = hostsEntries(input.baseHosts ?? ``);
  if (!base.some(l => l.split(/\s+/).slice(1).includes(`localhost`))) lines.push(...LOCALHOST);
  lines.push(...base);
  if (input.hostGatewayIp !== undefined) lines.push(`${input.hostGatewayIp}\thost.containers.internal host.docker.internal`);
  lines.push(`${input.containerIp ?? `127.0.0.1`}\t${names}`);
  return `${lines.join(`\n`)}\n`;
}

// run/create ↔ src/network: the flags checked before anything is created, the
// container's network settled at create time (random host ports, -P, the target of
// container:NAME) and recorded in its metadata, its /etc/hosts and resolv.conf, and
// at start the keeper's hooks plus the work done before the container is released.
import {readFileSync} from 'node:fs';
import {hostname as osHostname} from 'node:os';
import {canPublish, createNetwork, parseNetworkMode} from '../../network/index';
import type {Addressing, Network, NetworkConfig, NetworkMode, NamespaceChoice} from '../../network/index';
import {assignPorts, checkPortsFree, parsePorts} from '../../network/ports';
import type {PortMapping} from '../../network/ports';
import {hostsFor, parseAddHost, parseDnsOptions, resolvConfFor} from '../../network/dns';
import type {DnsOptions, HostEntry} from '../../network/dns';
import {probeNetwork, requireBackend} from '../../network/probe';
import type {NetworkProbe} from '../../network/probe';
import type {Store} from '../../storage/Store';
import type {EngineContext} from '../Engine';
import {NETWORK_HOOKS_ANNOTATION} from '../../runtime/specToPlan';
import {runningTarget} from './namespaceJoins';

export type Log = (message: string) => void;

export interface NetworkFlags {
  network?: string | undefined;
  publish?: Array<string>;
  publishAll?: boolean;
  dns?: Array<string>;
  dnsSearch?: Array<string>;
  dnsOption?: Array<string>;
  addHost?: Array<string>;
}

export interface NetworkRequest {
  mode: NetworkMode;
  publish: Array<string>;
  publishAll: boolean;
  dns: DnsOptions;
  addHosts: Array<HostEntry>;
  probe: NetworkProbe;
}

/** Every network check that needs no store (bad flags fail before anything is made). */
export function validateNetwork(o: NetworkFlags, path: string | undefined): NetworkRequest {
  const probe = probeNetwork(path);
  const mode = parseNetworkMode(o.network, probe.default);
  if (mode.kind === `pasta` || mode.kind === `slirp4netns`) requireBackend(mode.kind, probe);
  const publish = o.publish ?? [];
  parsePorts(publish, false);
  return {
    mode, publish, publishAll: Boolean(o.publishAll), probe,
    dns: parseDnsOptions(o.dns, o.dnsSearch, o.dnsOption),
    addHosts: (o.addHost ?? []).map(parseAddHost),
  };
}

/** What a container records: `metadata.network`. */
export interface NetworkRecord extends NetworkConfig {
  addressing: Addressing;
  /** container:NAME → the target's id. */
  targetId?: string;
}

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, `utf8`);
  } catch {
    return undefined;
  }
}


/** The running container NAME's pid and network record (container:NAME). */
export async function networkTarget(ctx: EngineContext, store: Store, name: string): Promise<{id: string, pid: number, record: NetworkRecord | undefined}> {
  const t = await runningTarget(ctx, store, name, `--network`);
  return {id: t.id, pid: t.pid, record: (t.record.metadata as {network?: NetworkRecord}).network};
}

/** Settles ports (random ones chosen, -P expanded) and addressing at create time. */
export async function settleNetwork(ctx: EngineContext, store: Store, req: NetworkRequest, exposed: Readonly<Record<string, unknown>> | undefined, warn: Log): Promise<NetworkRecord> {
  let ports: Array<PortMapping> = parsePorts(req.publish, req.publishAll, exposed);
  if (ports.length > 0 && !canPublish(req.mode)) {
    warn(`port mappings have been discarded: --network ${req.mode.kind} has no published ports`);
    ports = [];
  }
  ports = await assignPorts(ports);
  if (req.mode.kind === `container`) {
    const t = await networkTarget(ctx, store, req.mode.target);
    const addressing = t.record?.addressing ?? {ipv6: false, hostFiles: false};
    return {mode: req.mode, ports, addressing, targetId: t.id};
  }
  const addressing = createNetwork(req.mode, ports, {probe: req.probe}).addressing();
  return {mode: req.mode, ports, addressing};
}

/** /etc/hosts and /etc/resolv.conf of the container, and its hostname under --network host. */
export function networkFiles(rec: NetworkRecord, req: NetworkRequest, names: {hostname: string, name: string}): {hosts: string, resolvConf: string} {
  const a = rec.addressing;
  const hostResolv = readText(`/etc/resolv.conf`);
  return {
    hosts: hostsFor({
      hostname: names.hostname, name: names.name, containerIp: a.containerIp, hostGatewayIp: a.hostGatewayIp,
      addHosts: req.addHosts, ...(a.hostFiles ? {hostHosts: readText(`/etc/hosts`) ?? ``} : {baseHosts: readText(`/etc/hosts`)}),
    }),
    resolvConf: resolvConfFor({hostResolvConf: hostResolv, dns: req.dns, forwarder: a.forwarder, keepLoopback: a.hostFiles, ipv6: a.ipv6}),
  };
}

/** --network host keeps the host's name unless -h is given (podman). */
export function defaultHostname(rec: NetworkRecord | NetworkRequest): string | undefined {
  return rec.mode.kind === `host` ? osHostname() : undefined;
}

/** The spec annotation holding the keeper's network hooks (JSON argv lists; runtime/specToPlan reads it). */
export const HOOKS_ANNOTATION = NETWORK_HOOKS_ANNOTATION;

export interface NetworkSetup {
  namespace: NamespaceChoice;
  /** Keeper hooks, `@PID@` = the container's pid (empty: none). */
  hooks: Array<Array<string>>;
}

/** The spec's part of the network, fixed at create time (container:NAME resolved now). */
export async function networkSetup(ctx: EngineContext, store: Store, rec: NetworkRecord, req: NetworkRequest, helper: string): Promise<NetworkSetup> {
  let target: {pid: number, addressing: Addressing} | undefined;
  if (rec.mode.kind === `container`) {
    const t = await networkTarget(ctx, store, rec.targetId ?? rec.mode.target);
    target = {pid: t.pid, addressing: rec.addressing};
  }
  const network: Network = createNetwork(rec.mode, rec.ports, {probe: req.probe, helper, ...(target ? {target} : {})});
  return {namespace: network.namespace(), hooks: network.hooks()};
}

/** Before a start: every published host port is free (a clash fails here, before anything runs). */
export async function checkNetworkPorts(rec: NetworkRecord | undefined): Promise<void> {
  if (rec) await checkPortsFree(rec.ports);
}

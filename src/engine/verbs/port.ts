// `tspod port`: the published ports a container recorded at create time
// (metadata.network, engine/run/network.ts), one line per port of each range.
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {formatMappings} from '../../network/ports';
import type {Protocol} from '../../network/ports';
import type {NetworkRecord} from '../run/network';
import {openStore} from './store';

export interface PortOptions {
  containers: Array<string>;
  all?: boolean;
  /** PRIVATE_PORT[/PROTO]: only this container port. */
  port?: string | undefined;
}

export interface PortEntry {
  containerPort: number;
  protocol: Protocol;
  hostIp: string;
  hostPort: number;
}

export interface PortReport {
  id: string;
  ports: Array<PortEntry>;
}

function parseFilter(p: string): {port: number, protocol: Protocol} {
  const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(p);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) throw new TspodError(`InvalidArgument`, `invalid port "${p}": want PORT[/tcp|/udp]`, {hint: `e.g. tspod port web 80/tcp`});
  return {port: Number(m[1]), protocol: (m[2] ?? `tcp`) as Protocol};
}

export async function portMappings(ctx: EngineContext, o: PortOptions): Promise<Array<PortReport>> {
  if (!o.all && o.containers.length !== 1) throw new TspodError(`InvalidArgument`, `port needs exactly one container, or --all`, {hint: `tspod port CONTAINER [PORT[/PROTO]]`});
  const filter = o.port !== undefined ? parseFilter(o.port) : undefined;
  const {store} = await openStore(ctx);
  try {
    const list = o.all ? [...await store.containers.list()] : [];
    if (!o.all) {
      const c = await store.containers.lookup(o.containers[0]!);
      if (!c) throw new TspodError(`NoSuchContainer`, `no container with name or ID "${o.containers[0]}" found: no such container`);
      list.push(c);
    }
    const out: Array<PortReport> = [];
    for (const c of list) {
      const net = (c.metadata as {network?: NetworkRecord}).network;
      let ports = formatMappings(net?.ports ?? []);
      if (filter) ports = ports.filter(p => p.containerPort === filter.port && p.protocol === filter.protocol);
      if (o.all && ports.length === 0) continue;
      out.push({id: c.id, ports});
    }
    if (filter && !o.all && out[0]!.ports.length === 0)
      throw new TspodError(`InvalidArgument`, `failed to find published port "${o.port}"`, {hint: `tspod port ${o.containers[0]} lists the published ports`});
    return out;
  } finally {
    await store.close();
  }
}

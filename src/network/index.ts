// The network module's surface: `--network` parsing and the one factory that picks
// the backend (STYLE rule 9). Nothing else in tspod names a backend.
import {net} from '../util/lazyBuiltins';
import {TspodError} from '../engine/errors';
import type {Addressing, Network, NetworkMode, SlirpOptions} from './Network';
import type {PortMapping} from './ports';
import type {NetworkProbe} from './probe';
import {requireBackend} from './probe';
import {NoneNetwork} from './none';
import {HostNetwork} from './host';
import {ContainerNetwork} from './container';
import {PastaNetwork} from './pasta';
import {SLIRP_DEFAULTS, Slirp4netnsNetwork} from './slirp4netns';

export type {Addressing, Network, NetworkConfig, NetworkMode, NamespaceChoice, SlirpOptions} from './Network';

const MODES_HINT = `use --network pasta, slirp4netns, host, none or container:NAME`;

function bad(message: string, hint = MODES_HINT): TspodError {
  return new TspodError(`InvalidArgument`, message, {hint});
}

function bool(key: string, v: string): boolean {
  if (v === `true`) return true;
  if (v === `false`) return false;
  throw bad(`invalid value "${v}" for slirp4netns option ${key}: want true or false`, `e.g. --network slirp4netns:${key}=true`);
}

export function parseSlirpOptions(text: string): SlirpOptions {
  const o: SlirpOptions = {...SLIRP_DEFAULTS};
  for (const kv of text === `` ? [] : text.split(`,`)) {
    const eq = kv.indexOf(`=`);
    const key = eq < 0 ? kv : kv.slice(0, eq), v = eq < 0 ? `` : kv.slice(eq + 1);
    switch (key) {
      case `allow_host_loopback`: o.allowHostLoopback = bool(key, v); break;
      case `enable_ipv6`: o.enableIpv6 = bool(key, v); break;
      case `port_handler`:
        if (v !== `slirp4netns` && v !== `rootlesskit`) throw bad(`invalid port_handler "${v}"`, `use port_handler=slirp4netns`);
        if (v === `rootlesskit`) throw new TspodError(`Unsupported`, `port_handler=rootlesskit is not supported: tspod forwards published ports itself (tcp and udp, through tspod-helper portfwd)`, {hint: `use --network slirp4netns:port_handler=slirp4netns (the default)`});
        o.portHandler = v;
        break;
      case `mtu`: {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 68 || n > 65521) throw bad(`invalid slirp4netns mtu "${v}": want 68 to 65521`, `e.g. --network slirp4netns:mtu=1500`);
        o.mtu = n;
      } break;
      case `cidr`: {
        const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(v);
        if (!m || net().isIP(m[1]!) !== 4 || Number(m[2]) > 25 || Number(m[2]) < 1) throw bad(`invalid slirp4netns cidr "${v}": want an IPv4 network with prefix /1 to /25`, `e.g. --network slirp4netns:cidr=10.0.3.0/24`);
        o.cidr = v;
      } break;
      case `outbound_addr`: o.outboundAddr = v; break;
      case `outbound_addr6`: o.outboundAddr6 = v; break;
      default:
        throw bad(`unknown slirp4netns option "${key}"`, `use allow_host_loopback, port_handler, mtu, cidr, enable_ipv6, outbound_addr or outbound_addr6`);
    }
  }
  return o;
}

/** `--network` value → mode; undefined or `` = the host's default backend (`probe.default`). */
export function parseNetworkMode(value: string | undefined, defaultBackend: `pasta` | `slirp4netns` | undefined): NetworkMode {
  const v = value ?? ``;
  if (v === `` || v === `default` || v === `private`) {
    if (defaultBackend === undefined)
      throw new TspodError(`Host`, `no rootless network backend is installed (neither pasta nor slirp4netns)`, {hint: `install passt (apt-get install passt) or slirp4netns, or run with --network none`});
    return parseNetworkMode(defaultBackend, undefined);
  }
  if (v === `none`) return {kind: `none`};
  if (v === `host`) return {kind: `host`};
  if (v === `pasta` || v.startsWith(`pasta:`)) return {kind: `pasta`, args: v === `pasta` ? [] : v.slice(6).split(`,`).filter(a => a !== ``)};
  if (v === `slirp4netns` || v.startsWith(`slirp4netns:`)) return {kind: `slirp4netns`, options: parseSlirpOptions(v.slice(12))};
  if (v.startsWith(`container:`)) {
    const target = v.slice(10);
    if (target === ``) throw bad(`--network container: needs a container name or id`, `e.g. --network container:web`);
    return {kind: `container`, target};
  }
  if (v === `bridge` || v.startsWith(`ns:`) || v.startsWith(`pod`))
    throw new TspodError(`Unsupported`, `--network ${v} is not supported by rootless tspod`, {hint: MODES_HINT});
  throw bad(`unknown network mode "${v}"`);
}

/** Modes that have their own published ports. */
export function canPublish(mode: NetworkMode): boolean {
  return mode.kind === `pasta` || mode.kind === `slirp4netns`;
}

export interface NetworkEnv {
  probe: NetworkProbe;
  /** tspod-helper, whose `portfwd` mode forwards published ports (absent: only addressing is asked). */
  helper?: string | undefined;
  /** container:NAME: the target's pid and addressing, resolved by the engine. */
  target?: {pid: number, addressing: Addressing};
}

/** The one factory: a mode and its ports → the backend. */
export function createNetwork(mode: NetworkMode, ports: ReadonlyArray<PortMapping>, env: NetworkEnv): Network {
  switch (mode.kind) {
    case `none`: return new NoneNetwork();
    case `host`: return new HostNetwork();
    case `pasta`: return new PastaNetwork(requireBackend(`pasta`, env.probe), ports, mode.args, env.helper);
    case `slirp4netns`: return new Slirp4netnsNetwork(requireBackend(`slirp4netns`, env.probe), ports, mode.options, {helper: env.helper});
    case `container`:
      if (!env.target) throw new Error(`Assertion failed: container network without a resolved target`);
      return new ContainerNetwork(env.target.pid, env.target.addressing);
  }
}

// --network slirp4netns: slirp4netns joins the container's user and network namespaces
// (by pid), creates tap0 and configures it (--configure), writes to fd 3 once ready
// and dies with the container's keeper. Published TCP ports go through tspod-helper
// portfwd (portfwd.ts), the first hook. Published UDP ports are added through its API
// socket by a last, short hook (node, `SLIRP_FORWARDER`) before the container runs,
// each bound to its host address only; the socket is unlinked once they are added.
import type {Addressing, NamespaceChoice, Network, SlirpOptions} from './Network';
import type {PortMapping} from './ports';
import {portfwdHook} from './portfwd';

export const SLIRP_DEFAULTS: SlirpOptions = {allowHostLoopback: false, portHandler: `slirp4netns`, mtu: 65520, cidr: `10.0.2.0/24`, enableIpv6: false};

/** The address `n` of an IPv4 CIDR (10.0.2.0/24, 3 → 10.0.2.3). */
export function cidrHost(cidr: string, n: number): string {
  const [base] = cidr.split(`/`);
  const v = base!.split(`.`).reduce((a, o) => a * 256 + Number(o), 0) + n;
  return [v >>> 24 & 255, v >>> 16 & 255, v >>> 8 & 255, v & 255].join(`.`);
}

/**
 * argv: SOCKET REQUESTS-JSON. Sends each add_hostfwd request (one connection each),
 * unlinks the socket, writes a byte to fd 3; on an API error writes `!` and the reason
 * to fd 3 (helpers/hooks.c makes it the error) and exits 1.
 */
export const SLIRP_FORWARDER = `
const net = require('net'), fs = require('fs');
const [sock, json] = process.argv.slice(1);
const send = r => new Promise((ok, ko) => {
  const c = net.connect(sock); let t = '';
  c.on('connect', () => c.end(JSON.stringify(r)));
  c.on('data', d => t += d); c.on('error', ko);
  c.on('close', () => { try { ok(JSON.parse(t)); } catch { ko(new Error('bad answer ' + t)); } });
});
(async () => {
  for (const r of JSON.parse(json)) {
    const a = await send(r);
    if (a.error) {
      const x = r.arguments;
      fs.writeSync(3, '!cannot publish on ' + x.host_addr + ':' + x.host_port + '/' + x.proto + ': ' + (a.error.desc || JSON.stringify(a.error)) + '\\n');
      process.exit(1);
    }
  }
  fs.rmSync(sock, {force: true});
  fs.writeSync(3, '1');
})().catch(e => { fs.writeSync(3, '!slirp4netns API: ' + e.message + '\\n'); process.exit(1); });
`;

export interface SlirpHookEnv {
  /** Directory for the per-start API socket (short: unix socket paths are limited). */
  socketDir: string;
  /** The node binary that runs SLIRP_FORWARDER. */
  node: string;
  /** tspod-helper (portfwd), needed when TCP ports are published. */
  helper?: string | undefined;
}

export class Slirp4netnsNetwork implements Network {
  readonly kind = `slirp4netns` as const;
  constructor(private readonly bin: string, private readonly ports: ReadonlyArray<PortMapping>, private readonly options: SlirpOptions, private readonly env: SlirpHookEnv) {}

  namespace(): NamespaceChoice { return {kind: `new`}; }

  /** add_hostfwd requests, one per UDP port of each range (TCP: portfwd). */
  requests(): Array<unknown> {
    const guest = cidrHost(this.options.cidr, 100);
    const out: Array<unknown> = [];
    for (const p of this.ports.filter(x => x.protocol === `udp`))
      for (let i = 0; i < p.range; i++)
        out.push({execute: `add_hostfwd`, arguments: {proto: p.protocol, host_addr: p.hostIp === `` ? `0.0.0.0` : p.hostIp, host_port: p.hostPort + i, guest_addr: guest, guest_port: p.containerPort + i}});
    return out;
  }

  /** portfwd first: a host port in use fails before slirp4netns starts. */
  hooks(): Array<Array<string>> {
    const o = this.options;
    const socket = `${this.env.socketDir}/slirp4netns-@PID@.sock`;
    const requests = this.requests();
    const hooks = [...portfwdHook(this.env.helper, this.ports), [
      this.bin, `--configure`, `--mtu=${o.mtu}`, `--ready-fd=3`, `--userns-path=/proc/@PID@/ns/user`,
      `--cidr=${o.cidr}`, ...(o.allowHostLoopback ? [] : [`--disable-host-loopback`]), ...(o.enableIpv6 ? [`--enable-ipv6`] : []),
      ...(o.outboundAddr ? [`--outbound-addr=${o.outboundAddr}`] : []), ...(o.outboundAddr6 ? [`--outbound-addr6=${o.outboundAddr6}`] : []),
      `--enable-sandbox`, `--enable-seccomp`, ...(requests.length > 0 ? [`--api-socket=${socket}`] : []),
      `@PID@`, `tap0`,
    ]];
    if (requests.length > 0) hooks.push([this.env.node, `-e`, SLIRP_FORWARDER, socket, JSON.stringify(requests)]);
    return hooks;
  }

  addressing(): Addressing {
    return {forwarder: cidrHost(this.options.cidr, 3), containerIp: cidrHost(this.options.cidr, 100), hostGatewayIp: cidrHost(this.options.cidr, 2), ipv6: this.options.enableIpv6, hostFiles: false};
  }
}

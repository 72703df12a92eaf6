// --network slirp4netns: slirp4netns joins the container's user and network namespaces
// (by pid), creates tap0 and configures it (--configure), writes to fd 3 once ready
// and dies with the container's keeper. Published ports, TCP and UDP, go through
// tspod-helper portfwd (portfwd.ts), the first hook: slirp4netns forwards none itself
// (no API socket, no add_hostfwd).
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

export interface SlirpHookEnv {
  /** tspod-helper (portfwd), needed when ports are published. */
  helper?: string | undefined;
}

export class Slirp4netnsNetwork implements Network {
  readonly kind = `slirp4netns` as const;
  constructor(private readonly bin: string, private readonly ports: ReadonlyArray<PortMapping>, private readonly options: SlirpOptions, private readonly env: SlirpHookEnv) {}

  namespace(): NamespaceChoice { return {kind: `new`}; }

  /** portfwd first: a host port in use fails before slirp4netns starts. */
  hooks(): Array<Array<string>> {
    const o = this.options;
    return [...portfwdHook(this.env.helper, this.ports), [
      this.bin, `--configure`, `--mtu=${o.mtu}`, `--ready-fd=3`, `--userns-path=/proc/@PID@/ns/user`,
      `--cidr=${o.cidr}`, ...(o.allowHostLoopback ? [] : [`--disable-host-loopback`]), ...(o.enableIpv6 ? [`--enable-ipv6`] : []),
      ...(o.outboundAddr ? [`--outbound-addr=${o.outboundAddr}`] : []), ...(o.outboundAddr6 ? [`--outbound-addr6=${o.outboundAddr6}`] : []),
      `--enable-sandbox`, `--enable-seccomp`, `@PID@`, `tap0`,
    ]];
  }

  addressing(): Addressing {
    return {forwarder: cidrHost(this.options.cidr, 3), containerIp: cidrHost(this.options.cidr, 100), hostGatewayIp: cidrHost(this.options.cidr, 2), ipv6: this.options.enableIpv6, hostFiles: false};
  }
}

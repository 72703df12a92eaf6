// --network pasta: passt's pasta joins the container's namespaces (by its pid), copies
// the host's addresses and routes into them (--config-net) and forwards published UDP
// ports, bound to the requested host address only. Published TCP ports go through
// tspod-helper portfwd (portfwd.ts), started first, so pasta gets `-t none`. It runs in
// the foreground as a child of the container's keeper and writes its pid to fd 3 once
// configured.
import type {Addressing, NamespaceChoice, Network} from './Network';
import type {PortMapping} from './ports';
import {hostDefaultRoute} from './probe';
import {portRange, portfwdHook} from './portfwd';

/** The address pasta maps to the host's first resolver (podman 5 uses the same). */
export const PASTA_DNS = `169.254.1.1`;

/** `-t none` (portfwd has the TCP ports) and `-u` values: `[ip/]host[-end]:ctr[-end]`. */
export function pastaPortArgs(ports: ReadonlyArray<PortMapping>): Array<string> {
  const out: Array<string> = [`-t`, `none`];
  const udp = ports.filter(p => p.protocol === `udp`);
  if (udp.length === 0) out.push(`-u`, `none`);
  for (const p of udp)
    out.push(`-u`, `${p.hostIp === `` ? `` : `${p.hostIp}/`}${portRange(p.hostPort, p.range)}:${portRange(p.containerPort, p.range)}`);
  return out;
}

export class PastaNetwork implements Network {
  readonly kind = `pasta` as const;
  constructor(private readonly bin: string, private readonly ports: ReadonlyArray<PortMapping>, private readonly extraArgs: ReadonlyArray<string>, private readonly helper?: string) {}

  namespace(): NamespaceChoice { return {kind: `new`}; }

  /** portfwd first: a host port in use fails before pasta starts. */
  hooks(): Array<Array<string>> {
    return [...portfwdHook(this.helper, this.ports), [
      this.bin, `--config-net`, `--foreground`, `--quiet`, `--stderr`, `--pid`, `/proc/self/fd/3`,
      ...pastaPortArgs(this.ports), `-T`, `none`, `-U`, `none`, `--dns-forward`, PASTA_DNS,
      ...this.extraArgs, `@PID@`,
    ]];
  }

  addressing(): Addressing {
    const route = hostDefaultRoute();
    return {forwarder: PASTA_DNS, containerIp: route?.address, hostGatewayIp: route?.gateway, ipv6: true, hostFiles: false};
  }

}

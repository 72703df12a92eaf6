// --network pasta: passt's pasta joins the container's namespaces (by its pid), copies
// the host's addresses and routes into them (--config-net) and forwards the published
// ports itself, bound to the requested host address only. It runs in the foreground
// as a child of the container's keeper and writes its pid to fd 3 once configured.
import type {Addressing, NamespaceChoice, Network} from './Network';
import type {PortMapping} from './ports';
import {hostDefaultRoute} from './probe';

/** The address pasta maps to the host's first resolver (podman 5 uses the same). */
export const PASTA_DNS = `169.254.1.1`;

function range(start: number, n: number): string {
  return n === 1 ? String(start) : `${start}-${start + n - 1}`;
}

/** `-t`/`-u` values: `[ip/]host[-end]:ctr[-end]`. */
export function pastaPortArgs(ports: ReadonlyArray<PortMapping>): Array<string> {
  const out: Array<string> = [];
  for (const proto of [`tcp`, `udp`] as const) {
    const flag = proto === `tcp` ? `-t` : `-u`;
    const mine = ports.filter(p => p.protocol === proto);
    if (mine.length === 0) out.push(flag, `none`);
    for (const p of mine)
      out.push(flag, `${p.hostIp === `` ? `` : `${p.hostIp}/`}${range(p.hostPort, p.range)}:${range(p.containerPort, p.range)}`);
  }
  return out;
}

export class PastaNetwork implements Network {
  readonly kind = `pasta` as const;
  constructor(private readonly bin: string, private readonly ports: ReadonlyArray<PortMapping>, private readonly extraArgs: ReadonlyArray<string>) {}

  namespace(): NamespaceChoice { return {kind: `new`}; }

  hooks(): Array<Array<string>> {
    return [[
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

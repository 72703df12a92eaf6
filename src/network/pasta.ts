// --network pasta: passt's pasta joins the container's namespaces (by its pid) and
// copies the host's addresses and routes into them (--config-net). Published ports, TCP
// and UDP, go through tspod-helper portfwd (portfwd.ts), started first, so pasta forwards
// none (`-t none -u none`; its own UDP forwarding of early 2023 loses replies over
// 127.0.0.1). It runs in the foreground as a child of the container's keeper and writes
// its pid to fd 3 once configured.
import type {Addressing, NamespaceChoice, Network} from './Network';
import type {PortMapping} from './ports';
import {hostDefaultRoute} from './probe';
import {portfwdHook} from './portfwd';

/** The address pasta maps to the host's first resolver (podman 5 uses the same). */
export const PASTA_DNS = `169.254.1.1`;

export class PastaNetwork implements Network {
  readonly kind = `pasta` as const;
  constructor(private readonly bin: string, private readonly ports: ReadonlyArray<PortMapping>, private readonly extraArgs: ReadonlyArray<string>, private readonly helper?: string) {}

  namespace(): NamespaceChoice { return {kind: `new`}; }

  /** portfwd first: a host port in use fails before pasta starts. */
  hooks(): Array<Array<string>> {
    return [...portfwdHook(this.helper, this.ports), [
      this.bin, `--config-net`, `--foreground`, `--quiet`, `--stderr`, `--pid`, `/proc/self/fd/3`,
      `-t`, `none`, `-u`, `none`, `-T`, `none`, `-U`, `none`, `--dns-forward`, PASTA_DNS,
      ...this.extraArgs, `@PID@`,
    ]];
  }

  addressing(): Addressing {
    const route = hostDefaultRoute();
    return {forwarder: PASTA_DNS, containerIp: route?.address, hostGatewayIp: route?.gateway, ipv6: true, hostFiles: false};
  }

}

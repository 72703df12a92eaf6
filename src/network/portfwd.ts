// Published TCP and UDP ports for pasta and slirp4netns: tspod-helper's `portfwd` mode
// (helpers/portfwd.c, portfwd_udp.c), the role of podman's rootlessport. It runs as the
// keeper's first network hook: it binds every host address:port in the host's network
// namespace (a port in use fails there, before the container runs), joins the
// container's user and network namespaces, splices each TCP connection to
// 127.0.0.1:containerPort inside and relays UDP datagrams there through one connected
// socket per client address. The backends forward no published port themselves (the
// pasta of Debian 12 loses UDP replies over 127.0.0.1).
import type {PortMapping} from './ports';

/** `8080` or `8080-8082`. */
export function portRange(start: number, n: number): string {
  return n === 1 ? String(start) : `${start}-${start + n - 1}`;
}

/** `[ADDR/]HOST[-END]:CONTAINER[-END][/udp]`, one per mapping (tcp has no suffix); an empty address = 0.0.0.0 and [::]. */
export function portfwdSpecs(ports: ReadonlyArray<PortMapping>): Array<string> {
  return ports.map(p => `${p.hostIp === `` ? `` : `${p.hostIp}/`}${portRange(p.hostPort, p.range)}:${portRange(p.containerPort, p.range)}${p.protocol === `udp` ? `/udp` : ``}`);
}

/** The hook for the published ports, or none when there is none. */
export function portfwdHook(helper: string | undefined, ports: ReadonlyArray<PortMapping>): Array<Array<string>> {
  const specs = portfwdSpecs(ports);
  if (specs.length === 0) return [];
  if (helper === undefined) throw new Error(`Assertion failed: published ports without the helper's path`);
  return [[helper, `portfwd`, `@PID@`, ...specs]];
}

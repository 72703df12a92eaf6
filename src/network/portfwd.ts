// Published TCP ports for pasta and slirp4netns: tspod-helper's `portfwd` mode
// (helpers/portfwd.c), the role of podman's rootlessport. It runs as the keeper's first
// network hook: it binds every host address:port in the host's network namespace (a
// port in use fails there, before the container runs), joins the container's user and
// network namespaces, and splices each connection to 127.0.0.1:containerPort inside.
// UDP stays with the backends' own forwarding.
import type {PortMapping} from './ports';

/** `8080` or `8080-8082`. */
export function portRange(start: number, n: number): string {
  return n === 1 ? String(start) : `${start}-${start + n - 1}`;
}

/** `[ADDR/]HOST[-END]:CONTAINER[-END]`, one per mapping; an empty address = 0.0.0.0 and [::]. */
export function portfwdSpecs(ports: ReadonlyArray<PortMapping>): Array<string> {
  return ports.filter(p => p.protocol === `tcp`)
    .map(p => `${p.hostIp === `` ? `` : `${p.hostIp}/`}${portRange(p.hostPort, p.range)}:${portRange(p.containerPort, p.range)}`);
}

/** The hook for the TCP mappings, or none when there is none. */
export function portfwdHook(helper: string | undefined, ports: ReadonlyArray<PortMapping>): Array<Array<string>> {
  const specs = portfwdSpecs(ports);
  if (specs.length === 0) return [];
  if (helper === undefined) throw new Error(`Assertion failed: published tcp ports without the helper's path`);
  return [[helper, `portfwd`, `@PID@`, ...specs]];
}

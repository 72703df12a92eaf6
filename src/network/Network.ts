// The network backend of one container (STYLE rule 9: one interface, one
// implementation per mode, one factory in index.ts). The engine asks the backend how
// the network namespace is made, which commands the container's keeper (the helper's
// parent process) starts, in order, once the namespaces exist and before the container
// runs, and what /etc/hosts and /etc/resolv.conf should say. The hooks are recorded in
// the spec, so a foreground run and a detached start (the monitor) do the same.
import type {PortMapping} from './ports';

export interface SlirpOptions {
  allowHostLoopback: boolean;
  portHandler: `slirp4netns` | `rootlesskit`;
  mtu: number;
  /** IPv4 network of the container side, e.g. 10.0.2.0/24. */
  cidr: string;
  enableIpv6: boolean;
  outboundAddr?: string;
  outboundAddr6?: string;
}

export type NetworkMode =
  | {kind: `none`}
  | {kind: `host`}
  | {kind: `pasta`, args: Array<string>}
  | {kind: `slirp4netns`, options: SlirpOptions}
  | {kind: `container`, target: string};

/** What a container records about its network (metadata `network`). */
export interface NetworkConfig {
  mode: NetworkMode;
  ports: Array<PortMapping>;
}

/** How the container's network namespace is made. */
export type NamespaceChoice =
  | {kind: `new`}
  | {kind: `host`}
  | {kind: `join`, netns: string, userns: string};

export interface Addressing {
  /** The backend's DNS forwarder, first name server in resolv.conf. */
  forwarder?: string | undefined;
  /** The container's own address (its hostname resolves to it). */
  containerIp?: string | undefined;
  /** The host as seen from the container (host.containers.internal, host-gateway). */
  hostGatewayIp?: string | undefined;
  ipv6: boolean;
  /** The container shares the host's network: its files are the host's. */
  hostFiles: boolean;
}

export interface Network {
  readonly kind: NetworkMode[`kind`];
  namespace(): NamespaceChoice;
  /**
   * Commands the keeper starts once the container's namespaces exist and before the
   * container runs; `@PID@` stands for the container's pid. Each must write a byte to
   * its fd 3 when ready, and dies with the keeper.
   */
  hooks(): Array<Array<string>>;
  addressing(): Addressing;
}

// --network host: the host's network namespace; /etc/hosts and resolv.conf are the host's.
import type {Addressing, NamespaceChoice, Network} from './Network';

export class HostNetwork implements Network {
  readonly kind = `host` as const;
  namespace(): NamespaceChoice { return {kind: `host`}; }
  hooks(): Array<Array<string>> { return []; }
  addressing(): Addressing { return {ipv6: true, hostFiles: true}; }
}

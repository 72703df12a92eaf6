// --network none: a network namespace of its own with only the loopback interface.
import type {Addressing, NamespaceChoice, Network} from './Network';

export class NoneNetwork implements Network {
  readonly kind = `none` as const;
  namespace(): NamespaceChoice { return {kind: `new`}; }
  hooks(): Array<Array<string>> { return []; }
  addressing(): Addressing { return {ipv6: false, hostFiles: false}; }
}

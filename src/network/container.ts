// --network container:NAME: join another container's network namespace. A rootless
// network namespace belongs to its container's user namespace, so that is joined too.
import type {Addressing, NamespaceChoice, Network} from './Network';

export class ContainerNetwork implements Network {
  readonly kind = `container` as const;
  constructor(private readonly pid: number, private readonly target: Addressing) {}
  namespace(): NamespaceChoice { return {kind: `join`, netns: `/proc/${this.pid}/ns/net`, userns: `/proc/${this.pid}/ns/user`}; }
  hooks(): Array<Array<string>> { return []; }
  addressing(): Addressing { return this.target; }
}

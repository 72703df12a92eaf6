// Pods in `<graphRoot>/pods/pods.json` + `pods.lock` (a JsonIndex like containers.json).
// A pod record holds what the pod itself is (name, labels, shared namespaces, how to make
// its infra container); which containers belong to it is each container's own record
// (`metadata.pod`), so the two indexes never have to be updated together.
import {join} from 'node:path';
import {randomBytes} from '../util/randomBytes';
import {TspodError} from '../engine/errors';
import {JsonIndex} from './JsonIndex';
import {isoNow} from '../util/isoTime';

export interface PodRecord {
  /** 64 hex chars. */
  id: string;
  name: string;
  created: string;
  labels: Record<string, string>;
  /** The namespaces the pod's containers share (podman's --share: net, ipc, uts, pid). */
  share: Array<string>;
  hostname?: string;
  /** The options its infra container is made with; absent with --infra=false. */
  infra?: Record<string, unknown>;
  createCommand?: Array<string>;
  /** Set while `pod create` makes the infra container: a pod whose creator died then is incomplete. */
  creating?: {pid: number, start?: string};
}

export function podsDir(graphRoot: string): string {
  return join(graphRoot, `pods`);
}

export class PodStore {
  private readonly index: JsonIndex<PodRecord>;

  constructor(graphRoot: string, opts: {readOnly?: boolean} = {}) {
    const dir = podsDir(graphRoot);
    this.index = new JsonIndex<PodRecord>(join(dir, `pods.json`), join(dir, `pods.lock`), opts);
  }

  list(): Promise<ReadonlyArray<PodRecord>> {
    return this.index.read();
  }

  /** By name, full id, or unique id prefix. */
  async lookup(ref: string): Promise<PodRecord | undefined> {
    const list = await this.list();
    const hit = list.find(p => p.name === ref || p.id === ref);
    if (hit) return hit;
    if (!/^[0-9a-f]{1,63}$/.test(ref)) return undefined;
    const matches = list.filter(p => p.id.startsWith(ref));
    if (matches.length > 1) throw new TspodError(`InvalidArgument`, `pod id prefix ${ref} is ambiguous: it matches ${matches.length} pods`, {hint: `give more characters of the id`});
    return matches[0];
  }

  /** Records a new pod; its name must be free. `name` undefined: one is made from `generate`. */
  create(p: Omit<PodRecord, `id` | `name` | `created`> & {name?: string | undefined}, generate: () => string): Promise<PodRecord> {
    return this.index.update(records => {
      if (p.name !== undefined && records.some(r => r.name === p.name))
        throw new TspodError(`NameInUse`, `adding pod to state: name "${p.name}" is in use: pod already exists`, {hint: `remove that pod first, or choose another name with --name`});
      let name = p.name;
      for (let i = 0; name === undefined || records.some(r => r.name === name); i++) name = i < 20 ? generate() : `${generate()}${i}`;
      const rec: PodRecord = {...p, id: randomBytes(32).toString(`hex`), name, created: isoNow()};
      records.push(rec);
      return rec;
    });
  }

  update(id: string, fn: (p: PodRecord) => void): Promise<PodRecord> {
    return this.index.update(records => {
      const p = records.find(r => r.id === id);
      if (!p) throw new TspodError(`NoSuchPod`, `no pod with name or ID ${id} found: no such pod`);
      fn(p);
      return p;
    });
  }

  /** Removes the record; a pod already gone is no error (two removals racing). */
  delete(id: string): Promise<void> {
    return this.index.update(records => {
      const i = records.findIndex(r => r.id === id);
      if (i >= 0) records.splice(i, 1);
    });
  }

  close(): void {
    this.index.close();
  }
}

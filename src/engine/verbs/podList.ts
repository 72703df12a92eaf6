// `pod ps`: podman's JSON entries, filtered (name=, id=, status=, label=; each filter given
// several times matches any of its values, different filters must all match).
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {podmanStatus} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {infraOf} from '../pod/podState';
import {podViews} from './pod';
import type {PodView} from './pod';

export interface PodPsEntry {
  Cgroup: string;
  Containers: Array<{Id: string, Names: string, Status: string, RestartCount: number}>;
  Created: string;
  Id: string;
  InfraId: string;
  Name: string;
  Namespace: string;
  Networks: Array<string>;
  Status: string;
  Labels: Record<string, string>;
}

const STATUSES = [`created`, `running`, `degraded`, `paused`, `exited`, `stopped`, `dead`];

function parseFilter(f: string): [string, (v: PodView) => boolean] {
  const i = f.indexOf(`=`);
  const key = i < 0 ? f : f.slice(0, i), value = i < 0 ? `` : f.slice(i + 1);
  switch (key) {
    case `name`: return [key, v => new RegExp(value).test(v.pod.name)];
    case `id`: return [key, v => v.pod.id.startsWith(value)];
    case `status`:
      if (!STATUSES.includes(value)) throw new TspodError(`InvalidArgument`, `${value} is not a valid status`, {hint: `use one of ${STATUSES.join(`, `)}`});
      return [key, v => v.status.toLowerCase() === value];
    case `label`: {
      const j = value.indexOf(`=`);
      const lk = j < 0 ? value : value.slice(0, j);
      return [key, v => lk in v.pod.labels && (j < 0 || v.pod.labels[lk] === value.slice(j + 1))];
    }
  }
  throw new TspodError(`InvalidArgument`, `invalid pod filter "${f}"`, {hint: `use name=, id=, status= or label=KEY[=VALUE]`});
}

export async function listPods(ctx: EngineContext, o: {filters?: Array<string>} = {}): Promise<Array<PodPsEntry>> {
  const byKey = new Map<string, Array<(v: PodView) => boolean>>();
  for (const f of o.filters ?? []) {
    const [k, test] = parseFilter(f);
    byKey.set(k, [...(byKey.get(k) ?? []), test]);
  }
  const {views} = await podViews(ctx);
  return views
    .filter(v => [...byKey.values()].every(tests => tests.some(t => t(v))))
    .sort((a, b) => Date.parse(b.pod.created) - Date.parse(a.pod.created))
    .map(v => ({
      Cgroup: ``,
      Containers: v.members.map(c => ({Id: c.id, Names: c.names[0] ?? c.id.slice(0, 12), Status: podmanStatus(c.metadata as LifeMeta), RestartCount: (c.metadata as LifeMeta).restartCount ?? 0})),
      Created: v.pod.created,
      Id: v.pod.id,
      InfraId: infraOf(v.members, v.pod.id)?.id ?? ``,
      Name: v.pod.name,
      Namespace: ``,
      Networks: [],
      Status: v.status,
      Labels: v.pod.labels,
    }));
}

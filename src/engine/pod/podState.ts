// A pod's containers and its status, computed from its containers' states as podman
// computes it: Created when none ever ran, Running when all run, Degraded when some do,
// Paused when all are paused, Exited when all have exited, Stopped when some have and
// the rest never ran.
import type {ContainerRecord} from '../../storage/ContainerStore';
import type {PodRecord} from '../../storage/PodStore';
import {TspodError} from '../errors';
import {podmanStatus} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';

export type PodStatus = `Created` | `Running` | `Degraded` | `Paused` | `Exited` | `Stopped`;

export function podIdOf(c: ContainerRecord): string | undefined {
  const p = (c.metadata as {pod?: unknown}).pod;
  return typeof p === `string` ? p : undefined;
}

export function isInfra(c: ContainerRecord): boolean {
  return (c.metadata as {infra?: unknown}).infra === true;
}

/** The pod's containers, its infra first. */
export function podMembers(containers: ReadonlyArray<ContainerRecord>, podId: string): Array<ContainerRecord> {
  const mine = containers.filter(c => podIdOf(c) === podId);
  return [...mine.filter(isInfra), ...mine.filter(c => !isInfra(c))];
}

export function infraOf(containers: ReadonlyArray<ContainerRecord>, podId: string): ContainerRecord | undefined {
  return containers.find(c => podIdOf(c) === podId && isInfra(c));
}

export function podStatus(members: ReadonlyArray<ContainerRecord>): PodStatus {
  const states = members.map(c => podmanStatus(c.metadata as LifeMeta));
  const n = states.length, count = (s: string) => states.filter(x => x === s).length;
  if (n === 0 || count(`created`) === n) return `Created`;
  if (count(`running`) === n) return `Running`;
  if (count(`running`) > 0) return `Degraded`;
  if (count(`paused`) === n) return `Paused`;
  if (count(`exited`) === n) return `Exited`;
  if (count(`exited`) > 0) return `Stopped`;
  return `Degraded`;
}

export function noSuchPod(ref: string): TspodError {
  return new TspodError(`NoSuchPod`, `no pod with name or ID ${ref} found: no such pod`, {hint: `tspod pod ps lists the pods`});
}

/** The shared namespaces a member joins, podman's names (net, ipc, uts, pid). */
export function sharedKinds(pod: PodRecord): Array<string> {
  return pod.infra ? pod.share : [];
}

// Subordinate id ranges (/etc/subuid, /etc/subgid) and the id maps built from them:
// container 0 = the user, 1..n = the subordinate range (podman's default).
import {readFileSync} from 'node:fs';

export interface IdRange {
  start: number;
  count: number;
}

export interface IdMapEntry {
  containerId: number;
  hostId: number;
  size: number;
}

/** Ranges for a user, matched by name or numeric id, as shadow's newuidmap does. */
export function readSubIds(file: string, user: string, uid: number): Array<IdRange> {
  let text: string;
  try {
    text = readFileSync(file, `utf8`);
  } catch {
    return [];
  }
  const ranges: Array<IdRange> = [];
  for (const line of text.split(`\n`)) {
    const [name, start, count] = line.trim().split(`:`);
    if (!name || start === undefined || count === undefined) continue;
    if (name !== user && name !== String(uid)) continue;
    const s = Number(start), c = Number(count);
    if (Number.isInteger(s) && Number.isInteger(c) && c > 0) ranges.push({start: s, count: c});
  }
  return ranges;
}

/** The default rootless map: 0 → the user, 1.. → each subordinate range in turn. */
export function defaultIdMap(hostId: number, ranges: ReadonlyArray<IdRange>): Array<IdMapEntry> {
  const map: Array<IdMapEntry> = [{containerId: 0, hostId, size: 1}];
  let next = 1;
  for (const r of ranges) {
    map.push({containerId: next, hostId: r.start, size: r.count});
    next += r.count;
  }
  return map;
}

/** Total ids mapped (the size of the container's id space). */
export function mappedSize(map: ReadonlyArray<IdMapEntry>): number {
  return map.reduce((n, e) => Math.max(n, e.containerId + e.size), 0);
}

/** newuidmap/newgidmap argument triples. */
export function toTriples(map: ReadonlyArray<IdMapEntry>): Array<string> {
  return map.flatMap(e => [String(e.containerId), String(e.hostId), String(e.size)]);
}

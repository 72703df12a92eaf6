// `events --filter KEY=VALUE`, as podman combines them: values of one key are alternatives
// (event=start --filter event=died: either), different keys must all match.
import {TspodError} from '../errors';
import type {TspodEvent} from './record';

const KEYS = [`container`, `event`, `status`, `image`, `label`, `pod`, `type`, `volume`] as const;
type Key = typeof KEYS[number];

const TYPES = new Set([`container`, `image`, `pod`, `volume`, `system`]);

export type EventFilter = (e: TspodEvent) => boolean;

export function parseEventFilters(filters: ReadonlyArray<string>): EventFilter {
  const byKey = new Map<Key, Array<string>>();
  for (const f of filters) {
    const eq = f.indexOf(`=`);
    const key = (eq < 0 ? f : f.slice(0, eq)) as Key;
    const value = eq < 0 ? `` : f.slice(eq + 1);
    if (!KEYS.includes(key))
      throw new TspodError(`InvalidArgument`, `invalid filter "${f}"`, {hint: `filter on ${KEYS.join(`, `)} (KEY=VALUE)`});
    if (value === ``) throw new TspodError(`InvalidArgument`, `invalid filter "${f}": it needs a value`, {hint: `write ${key}=VALUE`});
    if (key === `type` && !TYPES.has(value))
      throw new TspodError(`InvalidArgument`, `invalid event type "${value}"`, {hint: `use one of ${[...TYPES].join(`, `)}`});
    // status is podman's other name for event.
    const k = key === `status` ? `event` : key;
    byKey.set(k, [...byKey.get(k) ?? [], value]);
  }
  const tests = [...byKey].map(([key, values]) => (e: TspodEvent) => values.some(v => matches(key, v, e)));
  return e => tests.every(t => t(e));
}

function matches(key: Key, v: string, e: TspodEvent): boolean {
  switch (key) {
    case `container`: return e.Type === `container` && (e.Name === v || idMatches(e.ID, v));
    case `event`:
    case `status`: return e.Status === v;
    case `type`: return e.Type === v;
    case `volume`: return e.Type === `volume` && e.Name === v;
    case `pod`: return e.Type === `pod` && (e.Name === v || idMatches(e.ID, v));
    case `image`: return e.Type === `image` ? e.Name === v || idMatches(e.ID, v) : e.Type === `container` && e.Image === v;
    case `label`: {
      const eq = v.indexOf(`=`);
      const attrs = e.Attributes ?? {};
      if (eq < 0) return Object.prototype.hasOwnProperty.call(attrs, v);
      return attrs[v.slice(0, eq)] === v.slice(eq + 1);
    }
  }
}

/** A full ID, or a prefix of at least 3 characters (podman's shortest unambiguous form). */
function idMatches(id: string | undefined, v: string): boolean {
  return id !== undefined && (id === v || (v.length >= 3 && /^[0-9a-f]+$/.test(v) && id.startsWith(v)));
}

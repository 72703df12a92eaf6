// The --filter of podman's prune verbs (container, image, volume, system prune): only what
// was created before `until`, and only what has (label=) or lacks (label!=) a label.
import {TspodError} from '../errors';

export interface PruneFilter {
  /** Created at or before this time (ms since the epoch). */
  until?: number;
  labels: Array<{key: string, value?: string, negate: boolean}>;
}

/** until=: a timestamp (RFC 3339 or Unix seconds) or a Go duration before now (10m, 2h, 1h30m). */
export function untilTime(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (/^(\d+(\.\d+)?(ns|us|\u00b5s|ms|s|m|h))+$/.test(v)) {
    const unit: Record<string, number> = {ns: 1e-6, us: 1e-3, [`\u00b5s`]: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000};
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]!]!;
    return Date.now() - ms;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new TspodError(`InvalidArgument`, `invalid until filter "${v}"`, {hint: `give a timestamp (2024-01-02T15:04:05Z), Unix seconds, or a duration such as 10m`});
  return t;
}

export function parsePruneFilters(filters: ReadonlyArray<string>): PruneFilter {
  const out: PruneFilter = {labels: []};
  for (const f of filters) {
    const m = /^(until|label!?)=(.*)$/.exec(f);
    if (!m) {
      const key = f.split(/!?=/)[0];
      throw new TspodError(`InvalidArgument`, `${key} is an invalid filter`, {hint: `prune filters are until=TIME, label=KEY[=VALUE] and label!=KEY[=VALUE]`});
    }
    if (m[1] === `until`) {
      out.until = untilTime(m[2]!);
      continue;
    }
    const eq = m[2]!.indexOf(`=`);
    out.labels.push({key: eq < 0 ? m[2]! : m[2]!.slice(0, eq), ...(eq < 0 ? {} : {value: m[2]!.slice(eq + 1)}), negate: m[1] === `label!`});
  }
  return out;
}

/** Whether something created at `created` with `labels` is one the filter lets prune take. */
export function pruneMatches(f: PruneFilter, created: string | undefined, labels: Record<string, string> | null | undefined): boolean {
  if (f.until !== undefined) {
    const t = created === undefined ? NaN : Date.parse(created);
    if (Number.isNaN(t) || t > f.until) return false;
  }
  for (const l of f.labels) {
    const has = labels !== null && labels !== undefined && Object.hasOwn(labels, l.key) && (l.value === undefined || labels[l.key] === l.value);
    if (has === l.negate) return false;
  }
  return true;
}

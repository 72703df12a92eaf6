// Date's toISOString, without it: V8 loads ICU's time zone data on the first
// toISOString of a process (it reads /etc/localtime and walks the zoneinfo tree),
// which cost 6-9 ms of every `tspod run` here. The UTC getters need none of that.

const pad = (n: number, width = 2) => String(n).padStart(width, `0`);

/** What `new Date(ms).toISOString()` returns: `2024-01-02T03:04:05.678Z`. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new RangeError(`Invalid time value`);
  const y = d.getUTCFullYear();
  const year = y >= 0 && y <= 9999 ? pad(y, 4) : `${y < 0 ? `-` : `+`}${pad(Math.abs(y), 6)}`;
  return `${year}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

/** The current time as toISOString writes it. */
export function isoNow(): string {
  return isoTime(Date.now());
}

/**
 * A UTC RFC 3339 time as Go's time.Time prints in a template (`{{.Created}}`):
 * `2024-01-02 03:04:05.123456789 +0000 UTC`, trailing zeros of the fraction dropped.
 * Anything else is returned as it is.
 */
export function goTime(s: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(s);
  if (!m) return s;
  const frac = (m[3] ?? ``).replace(/0+$/, ``);
  return `${m[1]} ${m[2]}${frac ? `.${frac}` : ``} +0000 UTC`;
}

// Human forms podman prints: sizes as go-units HumanSizeWithPrecision(n, 3) (decimal
// units, "4.66 MB"), ages as go-units HumanDuration + " ago", and tabwriter tables
// (columns padded to the widest cell plus two spaces).

const UNITS = [`B`, `kB`, `MB`, `GB`, `TB`, `PB`, `EB`];

/** The size in the largest decimal unit it reaches, to `digits` significant digits. */
function decimal(bytes: number, digits: number): [number, string] {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return [Number(size.toPrecision(digits)), UNITS[i]!];
}

/** `4.66 MB`, `871 kB`, `0 B`. */
export function humanSize(bytes: number): string {
  return decimal(bytes, 3).join(` `);
}

/** `7.8MB`, `0B`: go-units HumanSizeWithPrecision as podman's ps prints a container's size. */
export function humanSizeCompact(bytes: number): string {
  return humanSize(bytes).replace(` `, ``);
}

/** `8.091MB`, `0B`: go-units HumanSize (four digits), as podman's system df prints sizes. */
export function humanSizeGo(bytes: number): string {
  return decimal(bytes, 4).join(``);
}

/** Binary units for progress bars, as podman's mpb bars: `1.2MiB`, `512KiB`. */
export function humanBinary(bytes: number): string {
  const units = [`B`, `KiB`, `MiB`, `GiB`, `TiB`];
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < units.length - 1) {
    size /= 1024;
    i++;
  }
  return `${i === 0 ? size : size.toFixed(1)}${units[i]}`;
}

/** go-units HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return `Less than a second`;
  if (seconds === 1) return `1 second`;
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return `About a minute`;
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return `About an hour`;
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(Math.floor(ms / 3_600_000) / 24 / 365)} years`;
}

/** `2 weeks ago` for an RFC 3339 time or unix seconds; empty for an unknown time. */
export function timeAgo(when: string | number | undefined, now = Date.now()): string {
  if (when === undefined || when === ``) return ``;
  const t = typeof when === `number` ? when * 1000 : Date.parse(when);
  if (!Number.isFinite(t)) return ``;
  return `${humanDuration(Math.max(0, now - t))} ago`;
}

/**
 * A tabwriter table: every column but the last padded to its widest cell plus two
 * spaces, and to at least `minWidth`: podman's report tables (ps, images, history,
 * --format table) use 12.
 */
export function table(header: Array<string>, rows: Array<Array<string>>, minWidth = 12): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(minWidth, 2 + Math.max(...all.map(r => (r[c] ?? ``).length))));
  return all.map(r => r.map((cell, c) => c === r.length - 1 ? cell : cell.padEnd(widths[c]!)).join(``)).join(`\n`);
}

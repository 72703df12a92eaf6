// A duration as Go's time.Duration prints it (`1h2m3.5s`, `2.5ms`, `0s`): podman's top
// shows ELAPSED and TIME so.

const UNITS: Array<[bigint, string]> = [[1_000_000n, `ms`], [1_000n, `\u00b5s`], [1n, `ns`]];

/** `whole` with `frac` (a fraction of `per`) as Go writes it: trailing zeros dropped. */
function decimal(n: bigint, per: bigint): string {
  const whole = n / per, rest = n % per;
  if (rest === 0n) return String(whole);
  const digits = String(per).length - 1;
  return `${whole}.${String(rest).padStart(digits, `0`).replace(/0+$/, ``)}`;
}

export function goDuration(ns: bigint): string {
  if (ns < 0n) return `-${goDuration(-ns)}`;
  if (ns === 0n) return `0s`;
  if (ns < 1_000_000_000n) {
    const [per, unit] = UNITS.find(([p]) => ns >= p)!;
    return `${decimal(ns, per)}${unit}`;
  }
  const h = ns / 3_600_000_000_000n, m = ns / 60_000_000_000n % 60n, s = ns % 60_000_000_000n;
  return `${h > 0n ? `${h}h` : ``}${h > 0n || m > 0n ? `${m}m` : ``}${decimal(s, 1_000_000_000n)}s`;
}

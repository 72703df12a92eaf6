import test from 'ava';
import {goDuration} from '../../src/util/goDuration';

test(`durations print as Go's time.Duration.String`, t => {
  const cases: Array<[bigint, string]> = [
    [0n, `0s`], [1n, `1ns`], [1_500n, `1.5µs`], [2_500_000n, `2.5ms`], [999_999_999n, `999.999999ms`],
    [1_000_000_000n, `1s`], [3_122_673_883n, `3.122673883s`], [60_000_000_000n, `1m0s`], [62_500_000_000n, `1m2.5s`],
    [3_600_000_000_000n, `1h0m0s`], [3_605_000_000_000n, `1h0m5s`], [-1_500_000_000n, `-1.5s`],
  ];
  for (const [ns, want] of cases) t.is(goDuration(ns), want, String(ns));
});

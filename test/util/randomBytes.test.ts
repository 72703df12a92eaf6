// randomBytes serves small requests from a pool read from /dev/urandom 4 KiB at a time.
import test from 'ava';
import {randomBytes} from '../../src/util/randomBytes';

test(`randomBytes: the sizes asked, never the same bytes twice across the pool's refills, copies a caller may change`, t => {
  const seen = new Set<string>();
  // 3000 x 12 bytes crosses the 4 KiB pool several times.
  for (let i = 0; i < 3000; i++) {
    const b = randomBytes(12);
    t.is(b.length, 12);
    seen.add(b.toString(`hex`));
  }
  t.is(seen.size, 3000);
  const a = randomBytes(8);
  const before = a.toString(`hex`);
  a.fill(0);
  t.not(randomBytes(8).toString(`hex`), before);
  // Larger than the pool: read on its own.
  const big = randomBytes(10_000);
  t.is(big.length, 10_000);
  t.true(new Set(big).size > 200, `looks random`);
});

// Feature gates for tests that need a host feature. Outside CI a missing feature
// skips the test; with CI=true the test is registered anyway and fails loudly,
// because CI sets the host up so that every feature it can provide is tested.
import test from 'ava';
import type {TestFn} from 'ava';

export function whenAvailable(available: boolean, why: string): TestFn {
  if (available || process.env.CI) return test;
  const skipped = ((title: string, ..._rest: Array<unknown>) => test.skip(`${title} (needs ${why})`, t => t.pass())) as unknown as TestFn;
  return Object.assign(skipped, {serial: skipped});
}

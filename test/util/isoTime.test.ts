import test from 'ava';
import {isoNow, isoTime} from '../../src/util/isoTime';

test(`isoTime writes what toISOString writes`, t => {
  for (const ms of [0, 1, 999, 1727386302123, 951782400000 /* 2000-02-29 */, 4102444799999, -1, -62135596800000, 253402300799999, 253402300800000, -62198755200000, Date.now()])
    t.is(isoTime(ms), new Date(ms).toISOString(), String(ms));
  t.throws(() => isoTime(NaN), {instanceOf: RangeError});
  t.regex(isoNow(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

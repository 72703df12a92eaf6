import test from 'ava';
import {humanDuration, humanSize, humanSizeGo, table, timeAgo} from '../../src/cli/humanize';

test(`sizes as podman prints them (decimal, 3 significant digits)`, t => {
  t.is(humanSize(0), `0 B`);
  t.is(humanSize(999), `999 B`);
  t.is(humanSize(1000), `1 kB`);
  t.is(humanSize(4660879), `4.66 MB`);
  t.is(humanSize(8090939), `8.09 MB`);
  t.is(humanSize(123456789), `123 MB`);
  t.is(humanSize(1234567890), `1.23 GB`);
});

test(`system df's sizes as go-units HumanSize (4 significant digits, no space)`, t => {
  t.is(humanSizeGo(0), `0B`);
  t.is(humanSizeGo(8090939), `8.091MB`);
  t.is(humanSizeGo(123456), `123.5kB`);
  t.is(humanSizeGo(1000), `1kB`);
});

test(`durations as go-units HumanDuration`, t => {
  t.is(humanDuration(500), `Less than a second`);
  t.is(humanDuration(1000), `1 second`);
  t.is(humanDuration(45_000), `45 seconds`);
  t.is(humanDuration(61_000), `About a minute`);
  t.is(humanDuration(30 * 60_000), `30 minutes`);
  t.is(humanDuration(3_600_000), `About an hour`);
  t.is(humanDuration(5 * 3_600_000), `5 hours`);
  t.is(humanDuration(3 * 86_400_000), `3 days`);
  t.is(humanDuration(15 * 86_400_000), `2 weeks`);
  t.is(humanDuration(90 * 86_400_000), `3 months`);
  t.is(humanDuration(800 * 86_400_000), `2 years`);
  t.is(timeAgo(`2024-01-01T00:00:00Z`, Date.parse(`2024-01-01T00:00:30Z`)), `30 seconds ago`);
  t.is(timeAgo(1704067200, Date.parse(`2024-01-15T00:00:00Z`)), `2 weeks ago`);
  t.is(timeAgo(undefined), ``);
});

test(`tables pad every column but the last to its widest cell plus two`, t => {
  t.is(table([`A`, `BB`, `C`], [[`xxx`, `y`, `z`]], 0), `A    BB  C\nxxx  y   z`);
  t.is(table([`A`, `BB`, `C`], [[`xxx`, `y`, `z`]]), `A           BB          C\nxxx         y           z`, `podman's minimum column width by default`);
});

test(`a table's minimum width pads narrow columns further, but never the last`, t => {
  t.is(table([`NAME`, `STARS`, `OK`], [[`a-long-repository-name`, `0`, ``]], 12), `NAME                    STARS       OK\na-long-repository-name  0           `);
});

// The event records without processes: podman's time formats, its default line, the
// JSON key order, what a corrupt line reads as, and how filters combine.
import test from 'ava';
import {eventLine, goTimeString, humanLine, parseEventLine, parseEventTime, rfc3339Nano} from '../../../src/engine/events/record';
import type {TspodEvent} from '../../../src/engine/events/record';
import {parseEventFilters} from '../../../src/engine/events/filter';

const ID = `262b58172a234f7dcade1646c87189468591f1695019ca1bf3539149a4a62156`;
const died: TspodEvent = {
  ContainerExitCode: 3, ID, Image: `localhost/busybox:1`, Name: `c1`, Status: `died`,
  Time: `2026-11-25T00:39:15.77121Z`, Type: `container`, Attributes: {z: `1`, a: `b`},
};

test(`RFC 3339 with nanoseconds as Go prints it: trailing zeros dropped, and the dot with none left`, t => {
  t.is(rfc3339Nano(1_764_031_155_771_219_014n), `2025-11-25T00:39:15.771219014Z`);
  t.is(rfc3339Nano(1_764_031_155_770_000_000n), `2025-11-25T00:39:15.77Z`);
  t.is(rfc3339Nano(1_764_031_155_000_000_000n), `2025-11-25T00:39:15Z`);
  t.is(parseEventTime(`2025-11-25T00:39:15.77Z`), 1_764_031_155_770_000_000n);
  t.is(parseEventTime(`2025-11-25T01:39:15.771219014+01:00`), 1_764_031_155_771_219_014n);
  t.is(parseEventTime(`yesterday`), undefined);
});

test(`podman's default lines: container with image, name and sorted labels; image with an empty ID; volume`, t => {
  t.is(goTimeString(`2025-11-25T00:39:15.77Z`), `2025-11-25 00:39:15.77 +0000 UTC`);
  t.is(humanLine(died), `2026-11-25 00:39:15.77121 +0000 UTC container died ${ID} (image=localhost/busybox:1, name=c1, a=b, z=1)`);
  t.is(humanLine(died, false), `2026-11-25 00:39:15.77121 +0000 UTC container died ${ID.slice(0, 12)} (image=localhost/busybox:1, name=c1, a=b, z=1)`);
  t.is(humanLine({Name: `r/busybox:1`, Status: `pull`, Time: `2026-11-25T00:39:14Z`, Type: `image`, Attributes: null}),
    `2026-11-25 00:39:14 +0000 UTC image pull  r/busybox:1`);
  t.is(humanLine({Name: `v1`, Status: `create`, Time: `2026-11-25T00:39:19.3Z`, Type: `volume`, Attributes: null}),
    `2026-11-25 00:39:19.3 +0000 UTC volume create v1`);
});

test(`a line keeps podman's key order, leaves out a zero exit code and empty fields; a bad line reads as undefined`, t => {
  const {Time: _, ...rest} = died;
  const line = eventLine(rest, died.Time);
  t.true(line.endsWith(`\n`));
  t.deepEqual(Object.keys(JSON.parse(line)), [`ContainerExitCode`, `ID`, `Image`, `Name`, `Status`, `Time`, `Type`, `Attributes`]);
  t.deepEqual(Object.keys(JSON.parse(eventLine({...rest, ContainerExitCode: 0}, died.Time))), [`ID`, `Image`, `Name`, `Status`, `Time`, `Type`, `Attributes`]);
  t.deepEqual(parseEventLine(line.trim()), died);
  t.is(parseEventLine(`{"Name":"torn","Sta`), undefined);
  t.is(parseEventLine(`{"Status":"create","Type":"volume","Time":"later"}`), undefined);
  t.is(parseEventLine(`42`), undefined);
});

test(`filters: alternatives within a key, all keys together; IDs by prefix; label with or without a value`, t => {
  const image: TspodEvent = {ID: `cafb65f54bc4aaaa`, Name: `mybb:1`, Status: `tag`, Time: died.Time, Type: `image`, Attributes: null};
  const f = (...fs: Array<string>) => [died, image].filter(parseEventFilters(fs)).map(e => e.Status);
  t.deepEqual(f(), [`died`, `tag`]);
  t.deepEqual(f(`event=died`, `event=tag`), [`died`, `tag`]);
  t.deepEqual(f(`status=died`, `type=image`), []);
  t.deepEqual(f(`container=c1`), [`died`]);
  t.deepEqual(f(`container=262b58`), [`died`]);
  t.deepEqual(f(`container=26`), [], `two characters are not an ID`);
  t.deepEqual(f(`image=mybb:1`), [`tag`]);
  t.deepEqual(f(`image=cafb65`), [`tag`]);
  t.deepEqual(f(`image=localhost/busybox:1`), [`died`]);
  t.deepEqual(f(`label=a=b`), [`died`]);
  t.deepEqual(f(`label=a=c`), []);
  t.deepEqual(f(`label=z`), [`died`]);
  t.throws(() => parseEventFilters([`colour=x`]), {message: /invalid filter "colour=x"/});
  t.throws(() => parseEventFilters([`event`]), {message: /needs a value/});
  t.throws(() => parseEventFilters([`type=network`]), {message: /invalid event type "network"/});
});

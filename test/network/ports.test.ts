import test from 'ava';
import {createServer} from 'node:net';
import {assignPorts, checkPortsFree, exposedToMappings, formatMappings, parsePortSpec, parsePorts} from '../../src/network/ports';
import {TspodError} from '../../src/engine/errors';

test(`-p forms: container port, host:container, ip:host:container, ip::container, protocols`, t => {
  t.deepEqual(parsePortSpec(`80`), [{hostIp: ``, hostPort: 0, containerPort: 80, protocol: `tcp`, range: 1}]);
  t.deepEqual(parsePortSpec(`8080:80`), [{hostIp: ``, hostPort: 8080, containerPort: 80, protocol: `tcp`, range: 1}]);
  t.deepEqual(parsePortSpec(`127.0.0.1:8080:80/udp`), [{hostIp: `127.0.0.1`, hostPort: 8080, containerPort: 80, protocol: `udp`, range: 1}]);
  t.deepEqual(parsePortSpec(`127.0.0.1::80`), [{hostIp: `127.0.0.1`, hostPort: 0, containerPort: 80, protocol: `tcp`, range: 1}]);
  t.deepEqual(parsePortSpec(`[::1]:8080:80`), [{hostIp: `::1`, hostPort: 8080, containerPort: 80, protocol: `tcp`, range: 1}]);
  t.deepEqual(parsePortSpec(`53:53/tcp,udp`).map(m => m.protocol), [`tcp`, `udp`]);
  t.deepEqual(parsePortSpec(`8000-8002:80-82`), [{hostIp: ``, hostPort: 8000, containerPort: 80, protocol: `tcp`, range: 3}]);
  t.deepEqual(parsePortSpec(`80-81`), [{hostIp: ``, hostPort: 0, containerPort: 80, protocol: `tcp`, range: 2}]);
});

test(`bad -p values are refused with the value named`, t => {
  for (const [spec, re] of [
    [`70000:80`, /out of range/], [`0:80`, /out of range/], [`a:80`, /invalid host port "a"/], [`80/sctp`, /invalid protocol "sctp"/],
    [`8000-8001:80`, /differ in size/], [`82-80`, /the end is before the start/], [`1.2.3:80:80`, /invalid host IP/],
    [`8080:`, /no container port/], [`1:2:3:4`, /invalid port format/],
  ] as const) {
    const err = t.throws(() => parsePortSpec(spec), {instanceOf: TspodError}, spec);
    t.regex(err!.message, re, spec);
    t.is(err!.code, `InvalidArgument`);
  }
});

test(`-P maps every EXPOSEd port (explicit -p wins), duplicates refused`, t => {
  t.deepEqual(exposedToMappings({'80/tcp': {}, '53/udp': {}, '9000-9001/tcp': {}}).map(m => [m.containerPort, m.protocol, m.range]), [[80, `tcp`, 1], [53, `udp`, 1], [9000, `tcp`, 2]]);
  const m = parsePorts([`8080:80`], true, {'80/tcp': {}, '443/tcp': {}});
  t.deepEqual(m.map(x => [x.hostPort, x.containerPort]), [[8080, 80], [0, 443]]);
  t.throws(() => parsePorts([`8080:80`, `8080:81`], false), {message: /host port 8080\/tcp is published twice/});
  t.notThrows(() => parsePorts([`8080:80`, `8080:80/udp`], false));
});

test(`random host ports are free and distinct; a taken one is named`, async t => {
  const m = await assignPorts(parsePorts([`80`, `81`, `127.0.0.1::82/udp`, `90-92`], false));
  t.true(m.every(x => x.hostPort > 0));
  t.is(new Set(m.map(x => x.hostPort)).size, 4);
  t.is(formatMappings(m).length, 6);
  await t.notThrowsAsync(checkPortsFree(m));
  const srv = createServer().listen(0, `127.0.0.1`);
  await new Promise(res => srv.once(`listening`, res));
  const port = (srv.address() as {port: number}).port;
  try {
    await t.throwsAsync(checkPortsFree(parsePorts([`127.0.0.1:${port}:80`], false)), {message: `host port 127.0.0.1:${port}/tcp is already in use`});
    await t.throwsAsync(checkPortsFree(parsePorts([`${port}:80`], false)), {message: /already in use/});
  } finally {
    srv.close();
  }
});

test(`tspod port lines expand ranges`, t => {
  t.deepEqual(formatMappings([{hostIp: ``, hostPort: 8000, containerPort: 80, protocol: `tcp`, range: 2}]), [
    {containerPort: 80, protocol: `tcp`, hostIp: `0.0.0.0`, hostPort: 8000},
    {containerPort: 81, protocol: `tcp`, hostIp: `0.0.0.0`, hostPort: 8001},
  ]);
});

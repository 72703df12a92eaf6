import test from 'ava';
import {createNetwork, parseNetworkMode} from '../../src/network/index';
import {portfwdSpecs} from '../../src/network/portfwd';
import {cidrHost} from '../../src/network/slirp4netns';
import {requireBackend} from '../../src/network/probe';
import type {NetworkProbe} from '../../src/network/probe';
import {TspodError} from '../../src/engine/errors';

const probe: NetworkProbe = {pasta: `/usr/bin/pasta`, slirp4netns: `/usr/bin/slirp4netns`, devNetTun: true, default: `pasta`};
const env = {probe, helper: `/opt/tspod/helpers/tspod-helper`};

test(`--network values`, t => {
  t.deepEqual(parseNetworkMode(undefined, `pasta`), {kind: `pasta`, args: []});
  t.deepEqual(parseNetworkMode(undefined, `slirp4netns`).kind, `slirp4netns`);
  t.deepEqual(parseNetworkMode(`none`, undefined), {kind: `none`});
  t.deepEqual(parseNetworkMode(`host`, undefined), {kind: `host`});
  t.deepEqual(parseNetworkMode(`container:web`, undefined), {kind: `container`, target: `web`});
  t.deepEqual(parseNetworkMode(`pasta:--mtu,1500`, undefined), {kind: `pasta`, args: [`--mtu`, `1500`]});
  t.deepEqual(parseNetworkMode(`slirp4netns:allow_host_loopback=true,mtu=1500,cidr=10.0.3.0/24,enable_ipv6=true,port_handler=slirp4netns`, undefined),
    {kind: `slirp4netns`, options: {allowHostLoopback: true, portHandler: `slirp4netns`, mtu: 1500, cidr: `10.0.3.0/24`, enableIpv6: true}});
});

test(`bad --network values: one line with the fix`, t => {
  const cases: Array<[string, RegExp]> = [
    [`bogus`, /unknown network mode "bogus"/], [`slirp4netns:mtu=9`, /invalid slirp4netns mtu/], [`slirp4netns:cidr=10.0.0.0`, /invalid slirp4netns cidr/],
    [`slirp4netns:foo=1`, /unknown slirp4netns option "foo"/], [`slirp4netns:port_handler=rootlesskit`, /rootlesskit is not supported/],
    [`slirp4netns:allow_host_loopback=yes`, /want true or false/], [`container:`, /needs a container name/], [`bridge`, /not supported by rootless tspod/],
  ];
  for (const [v, re] of cases) {
    const err = t.throws(() => parseNetworkMode(v, `pasta`), {instanceOf: TspodError}, v);
    t.regex(err!.message, re);
    t.truthy(err!.hint, v);
    t.false(err!.message.includes(`\n`));
  }
  t.throws(() => parseNetworkMode(undefined, undefined), {message: /no rootless network backend is installed/});
});

test(`missing backend or /dev/net/tun: the exact fix`, t => {
  t.throws(() => requireBackend(`pasta`, {...probe, pasta: null}), {message: /needs the `pasta` program/});
  const e = t.throws<TspodError>(() => requireBackend(`slirp4netns`, {...probe, devNetTun: false}), {message: /needs \/dev\/net\/tun/});
  t.regex(e!.hint!, /mknod -m 666 \/dev\/net\/tun c 10 200/);
});

test(`pasta: tcp and udp through portfwd (first, so a clash fails before pasta), pasta forwards none; hooks end with the pid`, t => {
  const ports = [
    {hostIp: `127.0.0.1`, hostPort: 8080, containerPort: 80, protocol: `tcp`, range: 1},
    {hostIp: ``, hostPort: 5000, containerPort: 53, protocol: `udp`, range: 3},
    {hostIp: `::1`, hostPort: 9000, containerPort: 90, protocol: `tcp`, range: 2},
    {hostIp: `127.0.0.1`, hostPort: 5353, containerPort: 53, protocol: `udp`, range: 1},
  ] as const;
  t.deepEqual(portfwdSpecs(ports), [`127.0.0.1/8080:80`, `5000-5002:53-55/udp`, `::1/9000-9001:90-91`, `127.0.0.1/5353:53/udp`]);
  const n = createNetwork({kind: `pasta`, args: []}, [], env);
  t.deepEqual(n.namespace(), {kind: `new`});
  const [hook, ...more] = n.hooks();
  t.is(more.length, 0, `no portfwd without published ports`);
  t.is(hook![0], `/usr/bin/pasta`);
  t.is(hook!.at(-1), `@PID@`);
  t.true(hook!.includes(`--config-net`) && hook!.includes(`--foreground`));
  for (const list of [[], ports]) {
    const pasta = createNetwork({kind: `pasta`, args: []}, list, env).hooks().at(-1)!;
    for (const opt of [`-t`, `-u`, `-T`, `-U`])
      t.deepEqual(pasta.flatMap((a, i) => a === opt ? [pasta[i + 1]] : []), [`none`], `pasta ${opt} none, with ${list.length} ports`);
  }
  const [fwd, pasta] = createNetwork({kind: `pasta`, args: []}, ports, env).hooks();
  t.deepEqual(fwd, [`/opt/tspod/helpers/tspod-helper`, `portfwd`, `@PID@`, `127.0.0.1/8080:80`, `5000-5002:53-55/udp`, `::1/9000-9001:90-91`, `127.0.0.1/5353:53/udp`]);
  t.is(pasta![0], `/usr/bin/pasta`);
  const udpOnly = createNetwork({kind: `pasta`, args: []}, [ports[3]], env).hooks();
  t.deepEqual(udpOnly[0], [`/opt/tspod/helpers/tspod-helper`, `portfwd`, `@PID@`, `127.0.0.1/5353:53/udp`], `udp alone starts portfwd too`);
});

test(`slirp4netns: addresses from the cidr; tcp and udp through portfwd, no API socket`, t => {
  t.is(cidrHost(`10.0.2.0/24`, 100), `10.0.2.100`);
  t.is(cidrHost(`10.0.3.0/24`, 3), `10.0.3.3`);
  const mode = parseNetworkMode(`slirp4netns:cidr=10.0.3.0/24`, undefined);
  t.is(createNetwork(mode, [], env).hooks().length, 1);
  const n = createNetwork(mode, [{hostIp: ``, hostPort: 8080, containerPort: 80, protocol: `tcp`, range: 1}, {hostIp: `127.0.0.1`, hostPort: 5353, containerPort: 53, protocol: `udp`, range: 1}], env);
  const hooks = n.hooks();
  t.is(hooks.length, 2, `portfwd, then slirp4netns; no API hook`);
  t.deepEqual(hooks[0], [`/opt/tspod/helpers/tspod-helper`, `portfwd`, `@PID@`, `8080:80`, `127.0.0.1/5353:53/udp`]);
  t.is(hooks[1]![0], `/usr/bin/slirp4netns`);
  t.is(hooks[1]!.at(-1), `tap0`);
  t.false(hooks[1]!.some(a => a.startsWith(`--api-socket`)), `no API socket: slirp4netns forwards no port`);
  t.like(n.addressing(), {forwarder: `10.0.3.3`, containerIp: `10.0.3.100`, hostGatewayIp: `10.0.3.2`});
});

test(`host and none: no hooks; host shares the host's namespace and files`, t => {
  t.deepEqual(createNetwork({kind: `host`}, [], env).namespace(), {kind: `host`});
  t.true(createNetwork({kind: `host`}, [], env).addressing().hostFiles);
  t.deepEqual(createNetwork({kind: `none`}, [], env).hooks(), []);
  t.deepEqual(createNetwork({kind: `container`, target: `a`}, [], {...env, target: {pid: 42, addressing: {ipv6: false, hostFiles: false}}}).namespace(),
    {kind: `join`, netns: `/proc/42/ns/net`, userns: `/proc/42/ns/user`});
});

import test from 'ava';
import {createNetwork, parseNetworkMode} from '../../src/network/index';
import {pastaPortArgs} from '../../src/network/pasta';
import {portfwdSpecs} from '../../src/network/portfwd';
import {cidrHost} from '../../src/network/slirp4netns';
import {requireBackend} from '../../src/network/probe';
import type {NetworkProbe} from '../../src/network/probe';
import {TspodError} from '../../src/engine/errors';

const probe: NetworkProbe = {pasta: `/usr/bin/pasta`, slirp4netns: `/usr/bin/slirp4netns`, devNetTun: true, default: `pasta`};
const env = {probe, socketDir: `/run/x`, node: `/usr/bin/node`, helper: `/opt/tspod/helpers/tspod-helper`};

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

test(`pasta: udp ports on its command line, tcp through portfwd (first, so a clash fails before pasta); hooks end with the pid`, t => {
  t.deepEqual(pastaPortArgs([]), [`-t`, `none`, `-u`, `none`]);
  const ports = [
    {hostIp: `127.0.0.1`, hostPort: 8080, containerPort: 80, protocol: `tcp`, range: 1},
    {hostIp: ``, hostPort: 5000, containerPort: 53, protocol: `udp`, range: 3},
    {hostIp: `::1`, hostPort: 9000, containerPort: 90, protocol: `tcp`, range: 2},
  ] as const;
  t.deepEqual(pastaPortArgs(ports), [`-t`, `none`, `-u`, `5000-5002:53-55`]);
  t.deepEqual(portfwdSpecs(ports), [`127.0.0.1/8080:80`, `::1/9000-9001:90-91`]);
  const n = createNetwork({kind: `pasta`, args: []}, [], env);
  t.deepEqual(n.namespace(), {kind: `new`});
  const [hook, ...more] = n.hooks();
  t.is(more.length, 0, `no portfwd without tcp ports`);
  t.is(hook![0], `/usr/bin/pasta`);
  t.is(hook!.at(-1), `@PID@`);
  t.true(hook!.includes(`--config-net`) && hook!.includes(`--foreground`));
  const [fwd, pasta] = createNetwork({kind: `pasta`, args: []}, ports, env).hooks();
  t.deepEqual(fwd, [`/opt/tspod/helpers/tspod-helper`, `portfwd`, `@PID@`, `127.0.0.1/8080:80`, `::1/9000-9001:90-91`]);
  t.is(pasta![0], `/usr/bin/pasta`);
  t.is(pasta![pasta!.indexOf(`-t`) + 1], `none`);
  t.is(pasta![pasta!.indexOf(`-u`) + 1], `5000-5002:53-55`);
});

test(`slirp4netns: addresses from the cidr; tcp through portfwd, udp through an API hook`, t => {
  t.is(cidrHost(`10.0.2.0/24`, 100), `10.0.2.100`);
  t.is(cidrHost(`10.0.3.0/24`, 3), `10.0.3.3`);
  const mode = parseNetworkMode(`slirp4netns:cidr=10.0.3.0/24`, undefined);
  t.is(createNetwork(mode, [], env).hooks().length, 1);
  const tcpOnly = createNetwork(mode, [{hostIp: ``, hostPort: 8080, containerPort: 80, protocol: `tcp`, range: 1}], env).hooks();
  t.is(tcpOnly.length, 2);
  t.deepEqual(tcpOnly[0], [`/opt/tspod/helpers/tspod-helper`, `portfwd`, `@PID@`, `8080:80`]);
  t.false(tcpOnly[1]!.some(a => a.startsWith(`--api-socket`)), `no API socket without udp ports`);
  const n = createNetwork(mode, [{hostIp: ``, hostPort: 8080, containerPort: 80, protocol: `tcp`, range: 1}, {hostIp: `127.0.0.1`, hostPort: 5353, containerPort: 53, protocol: `udp`, range: 1}], env);
  const hooks = n.hooks();
  t.is(hooks.length, 3);
  t.is(hooks[0]![1], `portfwd`);
  t.true(hooks[1]!.includes(`--api-socket=/run/x/slirp4netns-@PID@.sock`));
  t.deepEqual(JSON.parse(hooks[2]!.at(-1)!), [{execute: `add_hostfwd`, arguments: {proto: `udp`, host_addr: `127.0.0.1`, host_port: 5353, guest_addr: `10.0.3.100`, guest_port: 53}}]);
  t.like(n.addressing(), {forwarder: `10.0.3.3`, containerIp: `10.0.3.100`, hostGatewayIp: `10.0.3.2`});
});

test(`host and none: no hooks; host shares the host's namespace and files`, t => {
  t.deepEqual(createNetwork({kind: `host`}, [], env).namespace(), {kind: `host`});
  t.true(createNetwork({kind: `host`}, [], env).addressing().hostFiles);
  t.deepEqual(createNetwork({kind: `none`}, [], env).hooks(), []);
  t.deepEqual(createNetwork({kind: `container`, target: `a`}, [], {...env, target: {pid: 42, addressing: {ipv6: false, hostFiles: false}}}).namespace(),
    {kind: `join`, netns: `/proc/42/ns/net`, userns: `/proc/42/ns/user`});
});

import test from 'ava';
import {hostsFor, parseAddHost, parseDnsOptions, resolvConfFor} from '../../src/network/dns';
import {TspodError} from '../../src/engine/errors';

const HOST = `# generated\nsearch corp.example\nnameserver 127.0.0.53\nnameserver 10.1.1.1\nnameserver fd00::53\noptions edns0\n`;
const none = parseDnsOptions();

test(`resolv.conf: loopback resolvers dropped, the forwarder first, search and options kept`, t => {
  t.is(resolvConfFor({hostResolvConf: HOST, dns: none, forwarder: `10.0.2.3`, keepLoopback: false, ipv6: false}),
    `search corp.example\nnameserver 10.0.2.3\nnameserver 10.1.1.1\noptions edns0\n`);
  t.is(resolvConfFor({hostResolvConf: HOST, dns: none, keepLoopback: false, ipv6: true}),
    `search corp.example\nnameserver 10.1.1.1\nnameserver fd00::53\noptions edns0\n`);
  t.is(resolvConfFor({hostResolvConf: `nameserver 127.0.0.53\n`, dns: none, keepLoopback: false, ipv6: false}), `nameserver 8.8.8.8\nnameserver 8.8.4.4\n`);
  t.is(resolvConfFor({hostResolvConf: HOST, dns: none, keepLoopback: true, ipv6: true}),
    `search corp.example\nnameserver 127.0.0.53\nnameserver 10.1.1.1\nnameserver fd00::53\noptions edns0\n`);
});

test(`--dns, --dns-search, --dns-option replace the host's`, t => {
  const dns = parseDnsOptions([`1.1.1.1`, `9.9.9.9`], [`a.example`, `b.example`], [`ndots:2`, `timeout:1`]);
  t.is(resolvConfFor({hostResolvConf: HOST, dns, forwarder: `10.0.2.3`, keepLoopback: false, ipv6: false}),
    `search a.example b.example\nnameserver 1.1.1.1\nnameserver 9.9.9.9\noptions ndots:2 timeout:1\n`);
  t.is(resolvConfFor({hostResolvConf: HOST, dns: parseDnsOptions([], [`.`]), keepLoopback: false, ipv6: false}), `nameserver 10.1.1.1\noptions edns0\n`);
  t.throws(() => parseDnsOptions([`dns.example`]), {instanceOf: TspodError, message: /invalid --dns "dns.example"/});
  t.throws(() => parseDnsOptions([], [`bad domain`]), {message: /invalid --dns-search/});
  t.throws(() => parseDnsOptions([], [], [`a b`]), {message: /invalid --dns-option/});
});

test(`--add-host: host:ip, several names, IPv6, host-gateway; bad ones refused`, t => {
  t.deepEqual(parseAddHost(`db:10.0.0.5`), {names: [`db`], ip: `10.0.0.5`});
  t.deepEqual(parseAddHost(`a;b:10.0.0.6`), {names: [`a`, `b`], ip: `10.0.0.6`});
  t.deepEqual(parseAddHost(`v6:[fd00::1]`), {names: [`v6`], ip: `fd00::1`});
  t.deepEqual(parseAddHost(`v6b:fd00::2`), {names: [`v6b`], ip: `fd00::2`});
  t.deepEqual(parseAddHost(`gw=host-gateway`), {names: [`gw`], ip: `host-gateway`});
  t.throws(() => parseAddHost(`nohost`), {message: /want host:ip/});
  t.throws(() => parseAddHost(`db:300.1.1.1`), {message: /invalid IP address/});
});

test(`/etc/hosts: --add-host first, localhost, the container's names, host.containers.internal`, t => {
  const text = hostsFor({hostname: `h1`, name: `web`, containerIp: `10.0.2.100`, hostGatewayIp: `10.0.2.2`, addHosts: [parseAddHost(`db:10.0.0.5`), parseAddHost(`gw:host-gateway`)]});
  t.is(text, [
    `10.0.0.5\tdb`, `10.0.2.2\tgw`,
    `127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4`,
    `::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6`,
    `10.0.2.2\thost.containers.internal host.docker.internal`, `10.0.2.100\th1 web`, ``,
  ].join(`\n`));
  t.regex(hostsFor({hostname: `x`, name: `x`, addHosts: []}), /^127\.0\.0\.1\tx$/m);
  t.throws(() => hostsFor({hostname: `x`, name: `x`, addHosts: [parseAddHost(`gw:host-gateway`)]}), {message: /host-gateway needs a network/});
  const host = hostsFor({hostname: `myhost`, name: `c`, addHosts: [], hostHosts: `127.0.0.1 localhost\n10.0.0.1 myhost\n`});
  t.is(host, `127.0.0.1 localhost\n10.0.0.1 myhost\n`);
});

test(`/etc/hosts: the host's entries come along, comments dropped; localhost only when they lack it`, t => {
  const base = `# The host's file\n127.0.0.1 localhost\n\n10.1.1.1   build.corp  build # the CI box\n::1 ip6-localhost\n`;
  t.is(hostsFor({hostname: `c1`, name: `n1`, containerIp: `10.0.2.100`, addHosts: [parseAddHost(`extra:1.2.3.4`)], baseHosts: base}), [
    `1.2.3.4\textra`, `127.0.0.1\tlocalhost`, `10.1.1.1\tbuild.corp build`, `::1\tip6-localhost`, `10.0.2.100\tc1 n1`, ``,
  ].join(`\n`));
  t.regex(hostsFor({hostname: `c1`, name: `c1`, addHosts: [], baseHosts: `10.1.1.1 build\n`}), /^127\.0\.0\.1\tlocalhost localhost\.localdomain/m);
  t.regex(hostsFor({hostname: `c1`, name: `c1`, addHosts: [], baseHosts: `10.1.1.1 build\n`}), /^10\.1\.1\.1\tbuild$/m);
});

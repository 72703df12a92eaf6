// run/create flags beyond the core set (engine/run/extras.ts and --replace, --cidfile,
// --no-hosts, --rmi, the pull flags), end to end as the unprivileged test user.
import test from 'ava';
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {spawn} from 'node:child_process';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';
import {TSPOD_BIN} from '../../_helpers/project';

const ALPINE = SEEDED.alpine;
const BUSYBOX = SEEDED.busyboxMusl;
const pulled = pulledStore(ALPINE);
const {t} = pulled;
const run = (flags: Array<string>, ...cmd: Array<string>) => t([`run`, `--rm`, `--network`, `none`, ...flags, ALPINE, ...cmd]);

test(`--stop-signal and --stop-timeout are what stop uses, and inspect shows them`, async tt => {
  const r = await t([`run`, `-d`, `--name`, `sig1`, `--stop-signal`, `USR1`, `--stop-timeout`, `30`, ALPINE, `sh`, `-c`, `trap 'exit 42' USR1; echo ready; while :; do sleep 0.1; done`]);
  tt.is(r.code, 0, r.stderr);
  tt.is((await t([`inspect`, `--format`, `{{.Config.StopSignal}} {{.Config.StopTimeout}}`, `sig1`])).stdout.trim(), `10 30`);
  for (let i = 0; i < 200 && !(await t([`logs`, `sig1`])).stdout.includes(`ready`); i++) await new Promise(res => setTimeout(res, 25));
  const start = Date.now();
  tt.is((await t([`stop`, `sig1`])).code, 0);
  tt.true(Date.now() - start < 10_000, `USR1 stopped it, no SIGKILL after the timeout`);
  tt.is((await t([`inspect`, `--format`, `{{.State.ExitCode}}`, `sig1`])).stdout.trim(), `42`);
  const bad = await run([`--stop-signal`, `NOPE`], `true`);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /^Error: invalid signal: NOPE/);
});

test(`--umask, --shm-size, --tz and --group-add reach the process`, async tt => {
  const r = await run([`--umask`, `0027`, `--shm-size`, `2m`, `--tz`, `Asia/Tokyo`, `--group-add`, `wheel`, `--group-add`, `4321`],
    `sh`, `-c`, `umask; df -k /dev/shm | tail -1; date +%Z; id -G`);
  tt.is(r.code, 0, r.stderr);
  const [umask, shm, zone, groups] = r.stdout.trim().split(`\n`);
  tt.is(umask, `0027`);
  tt.regex(shm!, /^shm\s+2048\s/);
  // Without --shm-size: podman's 65536000 bytes, which inspect's ShmSize says too.
  tt.regex((await run([], `sh`, `-c`, `df -k /dev/shm | tail -1`)).stdout, /^shm\s+64000\s/);
  tt.is(zone, `JST`);
  tt.deepEqual(groups!.split(` `).filter(g => g === `10` || g === `4321`), [`10`, `4321`]);
  const noGroup = await run([`--group-add`, `no-such-group`], `true`);
  tt.is(noGroup.code, 125);
  tt.regex(noGroup.stderr, /no such group in the image's \/etc\/group/);
  tt.is((await run([`--tz`, `Nowhere/Land`], `true`)).code, 125);
  tt.is((await run([`--umask`, `999`], `true`)).code, 125);
  tt.is((await run([`--shm-size`, `lots`], `true`)).code, 125);
  // A restart policy is checked in the foreground too: a bad one, or one --rm would defeat.
  const badPolicy = await run([`--restart`, `sometimes`], `true`);
  tt.is(badPolicy.code, 125);
  tt.regex(badPolicy.stderr, /invalid restart policy "sometimes"/);
  tt.regex((await run([`--restart`, `always`], `true`)).stderr, /the --rm option conflicts with --restart/);
});

test(`the environment: --env-host, the proxy variables, --unsetenv and --unsetenv-all`, async tt => {
  const env = {...pulled.env, http_proxy: `http://proxy.example:3128`, TSPOD_TEST_HOSTVAR: `from-host`};
  const go = (flags: Array<string>) => pulled.s.run([`run`, `--rm`, `--network`, `none`, ...flags, ALPINE, `env`], {env});
  const vars = (out: string) => new Map(out.trim().split(`\n`).map(l => [l.slice(0, l.indexOf(`=`)), l.slice(l.indexOf(`=`) + 1)]));
  const plain = vars((await go([])).stdout);
  tt.is(plain.get(`http_proxy`), `http://proxy.example:3128`, `podman passes the proxy variables by default`);
  tt.false(plain.has(`TSPOD_TEST_HOSTVAR`));
  tt.false(vars((await go([`--http-proxy=false`])).stdout).has(`http_proxy`));
  const host = vars((await go([`--env-host`])).stdout);
  tt.is(host.get(`TSPOD_TEST_HOSTVAR`), `from-host`);
  tt.is(host.get(`PATH`), `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, `the image's PATH wins over the host's`);
  const unset = vars((await go([`--unsetenv`, `container`, `--unsetenv`, `PATH`, `-e`, `KEEP=1`])).stdout);
  tt.false(unset.has(`container`));
  tt.false(unset.has(`PATH`));
  tt.is(unset.get(`KEEP`), `1`);
  const all = (await pulled.s.run([`run`, `--rm`, `--network`, `none`, `--unsetenv-all`, `-e`, `ONLY=1`, ALPINE, `/usr/bin/env`], {env})).stdout;
  tt.is(all, `ONLY=1\n`);
});

test(`--uts host and --ipc host share the user's namespaces; --hostname with --uts host is refused`, async tt => {
  const r = await run([`--uts`, `host`, `--ipc`, `host`], `sh`, `-c`, `hostname; readlink /proc/self/ns/ipc`);
  tt.is(r.code, 0, r.stderr);
  const [name, ipc] = r.stdout.trim().split(`\n`);
  tt.is(name, (await import('node:os')).hostname());
  tt.is(ipc, (await import('node:fs')).readlinkSync(`/proc/self/ns/ipc`));
  const own = await run([], `readlink`, `/proc/self/ns/ipc`);
  tt.not(own.stdout.trim(), ipc);
  // inspect says so, with the other settings podman's HostConfig derives from the spec.
  tt.is((await t([`create`, `--name`, `hc-modes`, `--ipc`, `host`, `--shm-size`, `32m`, `--tmpfs`, `/scratch:size=1m`, ALPINE, `true`])).code, 0);
  const hc = JSON.parse((await t([`inspect`, `--format`, `{{json .HostConfig}}`, `hc-modes`])).stdout);
  tt.like(hc, {IpcMode: `host`, UTSMode: `private`, PidMode: `private`, ShmSize: 32 << 20, PublishAllPorts: false, Devices: []});
  tt.regex(hc.Tmpfs[`/scratch`], /size=1m/);
  tt.true(hc.Ulimits.some((u: {Name: string}) => u.Name === `RLIMIT_NOFILE`));
  const both = await run([`--uts`, `host`, `--hostname`, `x`], `true`);
  tt.is(both.code, 125);
  tt.regex(both.stderr, /--uts host/);
});

test(`--replace removes the running container of that name; without --name it is refused`, async tt => {
  // Replacing stops the old one as rm -f does (its stop signal, then the kill after its --stop-timeout).
  tt.is((await t([`run`, `-d`, `--name`, `rep1`, `--stop-timeout`, `1`, ALPINE, `sleep`, `1000`])).code, 0);
  const first = (await t([`inspect`, `--format`, `{{.Id}}`, `rep1`])).stdout.trim();
  const clash = await t([`run`, `-d`, `--name`, `rep1`, ALPINE, `sleep`, `1000`]);
  tt.is(clash.code, 125);
  const second = await t([`run`, `-d`, `--replace`, `--name`, `rep1`, `--stop-timeout`, `1`, ALPINE, `sleep`, `1000`]);
  tt.is(second.code, 0, second.stderr);
  tt.not(second.stdout.trim(), first);
  tt.is((await t([`container`, `exists`, first])).code, 1);
  tt.is((await t([`create`, `--replace`, `--name`, `rep1`, ALPINE, `true`])).code, 0, `create replaces too`);
  tt.is((await t([`ps`, `-a`, `--filter`, `name=rep1`, `-q`])).stdout.trim().split(`\n`).length, 1);
  const noName = await run([`--replace`], `true`);
  tt.is(noName.code, 125);
  tt.regex(noName.stderr, /--replace needs --name/);
});

test(`--cidfile gets the id and is never overwritten`, async tt => {
  const file = join(pulled.dir, `cid`);
  const r = await t([`create`, `--cidfile`, file, ALPINE, `true`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(readFileSync(file, `utf8`), r.stdout.trim());
  const again = await t([`create`, `--cidfile`, file, ALPINE, `true`]);
  tt.is(again.code, 125);
  tt.regex(again.stderr, /container id file .* exists/);
  tt.is(readFileSync(file, `utf8`), r.stdout.trim());
});

test(`--label-file, --annotation and --expose are recorded; -P publishes an --expose port`, async tt => {
  const labels = join(pulled.dir, `labels`);
  writeFileSync(labels, `# a comment\nteam=blue\nstage=dev\n`);
  const r = await t([`create`, `--name`, `lab1`, `--label-file`, labels, `--label`, `stage=prod`, `--annotation`, `note=hello`, `--expose`, `7000`, `-P`, ALPINE, `true`]);
  tt.is(r.code, 0, r.stderr);
  const info = JSON.parse((await t([`inspect`, `lab1`])).stdout)[0];
  tt.is(info.Config.Labels.team, `blue`);
  tt.is(info.Config.Labels.stage, `prod`, `--label wins over the file`);
  tt.is(info.Config.Annotations.note, `hello`);
  const port = await t([`port`, `lab1`]);
  tt.regex(port.stdout, /^7000\/tcp -> 0\.0\.0\.0:\d+/m);
  tt.is((await t([`create`, `--label-file`, join(pulled.dir, `missing`), ALPINE, `true`])).code, 125);
  tt.is((await t([`create`, `--annotation`, `novalue`, ALPINE, `true`])).code, 125);
});

test(`--no-hosts keeps the image's /etc/hosts`, async tt => {
  const mine = await run([`--hostname`, `hostx`], `cat`, `/etc/hosts`);
  tt.regex(mine.stdout, /hostx/);
  const image = await run([`--hostname`, `hostx`, `--no-hosts`], `cat`, `/etc/hosts`);
  tt.is(image.code, 0, image.stderr);
  tt.notRegex(image.stdout, /hostx/);
  tt.regex(image.stdout, /localhost/);
});

test.serial(`--rmi removes the image after the container (and implies --rm), but not one another container uses`, async tt => {
  tt.is((await t([`pull`, BUSYBOX])).code, 0);
  const r = await t([`run`, `--rmi`, `--network`, `none`, BUSYBOX, `true`]);
  tt.is(r.code, 0, r.stderr);
  tt.is((await t([`image`, `exists`, BUSYBOX])).code, 1);
  tt.is((await t([`ps`, `-aq`, `--filter`, `ancestor=${BUSYBOX}`])).stdout.trim(), ``);
  // alpine is used by other containers of this file: it stays.
  tt.is((await t([`create`, `--name`, `keeper`, ALPINE, `true`])).code, 0);
  tt.is((await t([`run`, `--rmi`, `--network`, `none`, ALPINE, `true`])).code, 0);
  tt.is((await t([`image`, `exists`, ALPINE])).code, 0);
});

test.serial(`a missing image is pulled with run's pull flags (--tls-verify, --arch)`, async tt => {
  await t([`rmi`, `-f`, BUSYBOX]);
  const wrongArch = await t([`run`, `--rm`, `--network`, `none`, `--arch`, `s390x`, BUSYBOX, `true`]);
  tt.is(wrongArch.code, 125, `the flag reaches the pull: busybox here is amd64 only`);
  tt.regex(wrongArch.stderr, /architecture/);
  const ok = await t([`run`, `--rm`, `--network`, `none`, `--tls-verify=false`, BUSYBOX, `true`]);
  tt.is(ok.code, 0, ok.stderr);
});

test(`--read-only leaves /tmp, /var/tmp and /run writable unless --read-only-tmpfs=false`, async tt => {
  const r = await run([`--read-only`], `sh`, `-c`, `touch /tmp/a /var/tmp/b /run/c && echo writable; touch /x 2>/dev/null || echo root-ro`);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout, `writable\nroot-ro\n`);
  const off = await run([`--read-only`, `--read-only-tmpfs=false`], `sh`, `-c`, `touch /tmp/a 2>/dev/null || echo tmp-ro`);
  tt.is(off.stdout, `tmp-ro\n`);
});

test(`root in the container may ping (podman's default ping_group_range), and --sysctl sets namespaced keys only`, async tt => {
  const ping = await run([], `ping`, `-c`, `1`, `-W`, `2`, `127.0.0.1`);
  tt.is(ping.code, 0, ping.stderr);
  tt.regex(ping.stdout, /1 packets received/);
  const set = await run([`--sysctl`, `net.ipv4.ip_unprivileged_port_start=80`, `--sysctl`, `kernel.shmmni=2048`], `cat`, `/proc/sys/net/ipv4/ip_unprivileged_port_start`, `/proc/sys/kernel/shmmni`);
  tt.is(set.stdout, `80\n2048\n`, set.stderr);
  const host = await run([`--sysctl`, `vm.swappiness=1`], `true`);
  tt.is(host.code, 125);
  tt.regex(host.stderr, /vm\.swappiness is not allowed/);
  const shared = await t([`run`, `--rm`, `--network`, `host`, `--sysctl`, `net.ipv4.ip_forward=1`, ALPINE, `true`]);
  tt.is(shared.code, 125);
  tt.regex(shared.stderr, /with a shared --network \(host or container:NAME\)/);
});

test(`--device binds a host device node, or each one in a directory; a missing one is refused`, async tt => {
  const r = await run([`--device`, `/dev/null:/dev/mynull:rwm`, `--device`, `/dev/zero`], `sh`, `-c`, `test -c /dev/mynull && test -c /dev/zero && echo devices && head -c 3 /dev/zero | od -An -tx1`);
  tt.is(r.code, 0, r.stderr);
  tt.regex(r.stdout, /^devices\n\s*00 00 00\n$/);
  const missing = await run([`--device`, `/dev/no-such-device`], `true`);
  tt.is(missing.code, 125);
  tt.regex(missing.stderr, /--device \/dev\/no-such-device: no such device on this host/);
  tt.is((await run([`--device`, `relative/path`], `true`)).code, 125);
});

test(`--env-merge rewrites a default with \${VAR}; --log-driver other than k8s-file is refused; --disable-content-trust is accepted`, async tt => {
  const r = await run([`--env-merge`, `PATH=\${PATH}:/opt/bin`, `--disable-content-trust`, `--log-driver`, `k8s-file`], `sh`, `-c`, `echo $PATH`);
  tt.is(r.stdout, `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/bin\n`, r.stderr);
  const journald = await run([`--log-driver`, `journald`], `true`);
  tt.is(journald.code, 125);
  tt.regex(journald.stderr, /--log-driver journald is not supported/);
});

test(`--init-path runs that init as INIT -- COMMAND`, async tt => {
  const init = join(pulled.dir, `my-init`);
  writeFileSync(init, `#!/bin/sh\necho "my-init $*"\nshift\nexec "$@"\n`, {mode: 0o755});
  const r = await run([`--init`, `--init-path`, init], `echo`, `ran`);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout, `my-init -- echo ran\nran\n`);
  tt.is((await run([`--init`, `--init-path`, join(pulled.dir, `none`)], `true`)).code, 125);
});

test(`-a attaches only the streams named; with -d it is refused`, async tt => {
  const out = await run([`-a`, `stdout`], `sh`, `-c`, `echo out; echo err >&2`);
  tt.deepEqual([out.code, out.stdout, out.stderr], [0, `out\n`, ``]);
  const err = await run([`-a`, `stderr`], `sh`, `-c`, `echo out; echo err >&2`);
  tt.deepEqual([err.stdout, err.stderr], [``, `err\n`]);
  const noStdin = await t([`run`, `--rm`, `-i`, `--network`, `none`, `-a`, `stdout`, ALPINE, `sh`, `-c`, `cat; echo done`], `typed\n`);
  tt.is(noStdin.stdout, `done\n`, `stdin is not attached without -a stdin`);
  const withStdin = await t([`run`, `--rm`, `-i`, `--network`, `none`, `-a`, `stdin`, `-a`, `stdout`, ALPINE, `cat`], `typed\n`);
  tt.is(withStdin.stdout, `typed\n`);
  tt.is((await t([`run`, `-d`, `-a`, `stdout`, ALPINE, `true`])).code, 125);
  tt.is((await run([`-a`, `stdnothing`], `true`)).code, 125);
});

test(`ps shows the published ports and inspect has podman's Ports, PortBindings and NetworkMode`, async tt => {
  const r = await t([`run`, `-d`, `--name`, `ports1`, `--network`, `slirp4netns`, `-p`, `127.0.0.1::80`, `-p`, `127.0.0.1::90/udp`, ALPINE, `sleep`, `1000`]);
  tt.is(r.code, 0, r.stderr);
  const info = JSON.parse((await t([`inspect`, `ports1`])).stdout)[0];
  const tcp = info.NetworkSettings.Ports[`80/tcp`][0], udp = info.NetworkSettings.Ports[`90/udp`][0];
  tt.is(tcp.HostIp, `127.0.0.1`);
  tt.regex(tcp.HostPort, /^\d+$/);
  tt.deepEqual(info.HostConfig.PortBindings, info.NetworkSettings.Ports);
  tt.is(info.HostConfig.NetworkMode, `slirp4netns`);
  tt.is((await t([`port`, `ports1`, `80`])).stdout.trim(), `127.0.0.1:${tcp.HostPort}`);
  const ps = await t([`ps`, `--filter`, `name=ports1`]);
  tt.true(ps.stdout.includes(`127.0.0.1:${tcp.HostPort}->80/tcp, 127.0.0.1:${udp.HostPort}->90/udp`), ps.stdout);
  const json = JSON.parse((await t([`ps`, `--format`, `json`, `--filter`, `name=ports1`])).stdout)[0];
  tt.deepEqual(json.Ports[0], {host_ip: `127.0.0.1`, container_port: 80, host_port: Number(tcp.HostPort), range: 1, protocol: `tcp`});
  const none = JSON.parse((await t([`ps`, `-a`, `--format`, `json`])).stdout).find((c: any) => c.Names[0] !== `ports1`);
  if (none) tt.is(none.Ports, null);
});

test.serial(`--cidfile and --latest on the verbs that act on containers (stop, rm, kill, start, wait, exec, port)`, async tt => {
  const file = join(pulled.dir, `cid-verbs`);
  tt.is((await t([`run`, `-d`, `--cidfile`, file, `--name`, `cv1`, ALPINE, `sleep`, `1000`])).code, 0);
  const id = readFileSync(file, `utf8`);
  tt.is((await t([`exec`, `-l`, `echo`, `hi`])).stdout, `hi\n`, `-l: the newest container, the first word is the command`);
  const envFile = join(pulled.dir, `exec-env`);
  writeFileSync(envFile, `FROM_FILE=1\n`);
  tt.is((await t([`exec`, `--env-file`, envFile, `cv1`, `sh`, `-c`, `echo $FROM_FILE`])).stdout, `1\n`);
  const stop = await t([`stop`, `-t`, `0`, `--cidfile`, file]);
  tt.is(stop.code, 0, stop.stderr);
  tt.is((await t([`inspect`, `--format`, `{{.State.Status}}`, id])).stdout.trim(), `exited`);
  tt.is((await t([`wait`, `-l`])).code, 0);
  tt.is((await t([`start`, `-l`])).code, 0);
  tt.is((await t([`kill`, `--cidfile`, file])).code, 0);
  tt.is((await t([`rm`, `-f`, `-t`, `0`, `--cidfile`, file])).code, 0);
  tt.is((await t([`container`, `exists`, id])).code, 1);
  const missing = await t([`rm`, `--cidfile`, join(pulled.dir, `no-cid`)]);
  tt.is(missing.code, 125);
  tt.regex(missing.stderr, /reading the container id file/);
  tt.is((await t([`stop`, `--ignore`, `--cidfile`, join(pulled.dir, `no-cid`)])).code, 0, `--ignore: a missing cidfile is fine, as in podman's units`);
});

test(`--pidfile holds the container's pid while it exists, detached or in the foreground`, async tt => {
  const file = join(pulled.dir, `pid-d`);
  tt.is((await t([`run`, `-d`, `--name`, `pidd`, `--pidfile`, file, ALPINE, `sleep`, `1000`])).code, 0);
  const pid = (await t([`inspect`, `--format`, `{{.State.Pid}} {{.PidFile}}`, `pidd`])).stdout.trim();
  tt.is(pid, `${readFileSync(file, `utf8`).trim()} ${file}`);
  tt.is((await t([`rm`, `-f`, `-t`, `0`, `pidd`])).code, 0);
  tt.throws(() => readFileSync(file), {code: `ENOENT`}, `removed with the container`);
  const fg = join(pulled.dir, `pid-fg`);
  const seen = join(pulled.dir, `pid-fg-seen`);
  // The container waits until the host side has copied the file it sees through a bind mount.
  const r = await t([`run`, `--rm`, `--network`, `none`, `--pidfile`, fg, `-v`, `${pulled.dir}:/w`, ALPINE, `sh`, `-c`, `for i in $(seq 100); do [ -s /w/pid-fg ] && break; sleep 0.05; done; cp /w/pid-fg /w/pid-fg-seen`]);
  tt.is(r.code, 0, r.stderr);
  tt.regex(readFileSync(seen, `utf8`), /^\d+\n$/);
  tt.throws(() => readFileSync(fg), {code: `ENOENT`}, `--rm removed it`);
});

test(`stop, kill and rm take ps's --filter`, async tt => {
  for (const n of [`flt-a`, `flt-b`]) tt.is((await t([`run`, `-d`, `--name`, n, `--label`, `grp=flt`, ALPINE, `sleep`, `1000`])).code, 0);
  tt.is((await t([`run`, `-d`, `--name`, `flt-other`, ALPINE, `sleep`, `1000`])).code, 0);
  const stop = await t([`stop`, `-t`, `0`, `--filter`, `label=grp=flt`]);
  tt.is(stop.code, 0, stop.stderr);
  tt.is(stop.stdout.trim().split(`\n`).length, 2);
  const state = async (n: string) => (await t([`inspect`, `--format`, `{{.State.Status}}`, n])).stdout.trim();
  tt.deepEqual([await state(`flt-a`), await state(`flt-b`), await state(`flt-other`)], [`exited`, `exited`, `running`]);
  tt.is((await t([`kill`, `--filter`, `name=^flt-other$`])).code, 0);
  tt.is((await t([`rm`, `--filter`, `name=^flt-`])).code, 0);
  tt.is((await t([`ps`, `-a`, `-q`, `--filter`, `name=^flt-`])).stdout.trim(), ``);
});

test(`rm -f stops as podman does: the stop signal, then SIGKILL after -t seconds or the container's --stop-timeout`, async tt => {
  // The trap leaves a mark through a bind mount: the container's log goes with it.
  const trapped = (name: string, ...flags: Array<string>) => t([`run`, `-d`, `--name`, name, ...flags, `-v`, `${pulled.dir}:/w`, ALPINE, `sh`, `-c`, `trap 'echo bye > /w/${name}-bye; exit 3' TERM; echo ready; while :; do sleep 0.1; done`]);
  const ready = async (name: string) => {
    for (let i = 0; i < 100 && !(await t([`logs`, name])).stdout.includes(`ready`); i++) await new Promise(res => setTimeout(res, 50));
  };
  tt.is((await trapped(`rmt1`)).code, 0);
  tt.is((await trapped(`rmt2`)).code, 0);
  await ready(`rmt1`);
  await ready(`rmt2`);
  const r = await t([`rm`, `-f`, `-t`, `5`, `rmt1`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(readFileSync(join(pulled.dir, `rmt1-bye`), `utf8`), `bye\n`, `-t 5: the container got SIGTERM and ran its trap`);
  const dflt = await t([`rm`, `-f`, `rmt2`]);
  tt.is(dflt.code, 0, dflt.stderr);
  tt.is(readFileSync(join(pulled.dir, `rmt2-bye`), `utf8`), `bye\n`, `no -t: the stop signal first too (podman's default, unlike docker's kill)`);
  tt.is(dflt.stderr, ``, `it stopped in time: no warning`);

  // PID 1 without a handler ignores SIGTERM: the kill comes after --stop-timeout, with podman's warning.
  tt.is((await t([`run`, `-d`, `--name`, `rmt3`, `--stop-timeout`, `1`, ALPINE, `sleep`, `1000`])).code, 0);
  const started = Date.now();
  const slow = await t([`rm`, `-f`, `rmt3`]);
  const took = Date.now() - started;
  tt.is(slow.code, 0, slow.stderr);
  tt.regex(slow.stderr, /StopSignal SIGTERM failed to stop container rmt3 in 1 seconds, resorting to SIGKILL/);
  tt.true(took >= 1000, `waited the stop timeout (${took} ms)`);
  // -t 0: the kill at once.
  tt.is((await t([`run`, `-d`, `--name`, `rmt4`, ALPINE, `sleep`, `1000`])).code, 0);
  const quick = Date.now();
  const now = await t([`rm`, `-f`, `-t`, `0`, `rmt4`]);
  tt.is(now.code, 0, now.stderr);
  tt.true(Date.now() - quick < 5000, `-t 0 does not wait`);
  // A --rm container removes itself once stopped: rm -f still says it removed it.
  tt.is((await trapped(`rmt5`, `--rm`)).code, 0);
  await ready(`rmt5`);
  const self = await t([`rm`, `-f`, `rmt5`]);
  tt.deepEqual([self.code, self.stdout, self.stderr], [0, `rmt5\n`, ``]);
  tt.is((await t([`ps`, `-a`, `-q`, `--filter`, `name=^rmt`])).stdout.trim(), ``);
  tt.is((await t([`rm`, `-f`, `-t`, `soon`, `x`])).code, 125);
});

test(`--volumes-from mounts another container's volumes and bind mounts at the same places; :ro overrides; the volumes stay its own`, async tt => {
  const bindDir = join(pulled.dir, `vf-bind`);
  mkdirSync(bindDir, {recursive: true});
  writeFileSync(join(bindDir, `shared`), `from host\n`);
  tt.is((await t([`create`, `--name`, `vf-src`, `-v`, `vf-named:/data`, `-v`, `${bindDir}:/bind:ro`, `-v`, `/anon`, ALPINE, `true`])).code, 0);
  const r = await run([`--volumes-from`, `vf-src`], `sh`, `-c`, `echo written > /data/f; cat /bind/shared; touch /bind/x 2>/dev/null || echo bind-ro; test -d /anon && echo anon`);
  tt.is(r.stdout, `from host\nbind-ro\nanon\n`, r.stderr);
  const ro = await run([`--volumes-from`, `vf-src:ro`], `sh`, `-c`, `cat /data/f; touch /data/g 2>/dev/null || echo data-ro`);
  tt.is(ro.stdout, `written\ndata-ro\n`, ro.stderr);
  const own = await run([`--volumes-from`, `vf-src`, `--tmpfs`, `/data`], `sh`, `-c`, `test -e /data/f || echo own-wins`);
  tt.is(own.stdout, `own-wins\n`);
  const missing = await run([`--volumes-from`, `vf-nope`], `true`);
  tt.is(missing.code, 125);
  tt.regex(missing.stderr, /no container with name or ID "vf-nope" found/);
  tt.is((await run([`--volumes-from`, `vf-src:bogus`], `true`)).code, 125);
  // --rm removed the borrowers; the source's named volume is still there, in use by it.
  tt.is((await t([`volume`, `exists`, `vf-named`])).code, 0);
  tt.is((await t([`volume`, `rm`, `vf-named`])).code, 2);
  tt.is((await t([`rm`, `-v`, `vf-src`])).code, 0);
  tt.is((await t([`volume`, `rm`, `vf-named`])).code, 0);
});

test(`--timeout kills the container once it has run that long, in the foreground and detached (137)`, async tt => {
  const t0 = Date.now();
  const fg = await run([`--timeout`, `1`], `sleep`, `60`);
  tt.is(fg.code, 137, fg.stderr);
  tt.true(Date.now() - t0 < 30_000);
  tt.is((await t([`run`, `-d`, `--name`, `to-det`, `--timeout`, `1`, ALPINE, `sleep`, `60`])).code, 0);
  tt.is((await t([`wait`, `to-det`])).stdout.trim(), `137`);
  tt.is((await run([`--timeout`, `30`], `true`)).code, 0, `a container that ends first is left alone`);
  tt.is((await run([`--timeout`, `soon`], `true`)).code, 125);
  await t([`rm`, `to-det`]);
});

test(`--pid host shares the user's pid namespace, with its /proc; inspect says PidMode host`, async tt => {
  const r = await run([`--pid`, `host`], `sh`, `-c`, `readlink /proc/self/ns/pid; echo $$; test -d /proc/1 && echo has-1`);
  tt.is(r.code, 0, r.stderr);
  const [ns, pid, one] = r.stdout.trim().split(`\n`);
  tt.is(ns, (await import('node:fs')).readlinkSync(`/proc/self/ns/pid`));
  tt.not(pid, `1`, `the command is not PID 1 in the user's namespace`);
  tt.is(one, `has-1`);
  tt.is((await t([`create`, `--name`, `pid-host`, `--pid`, `host`, ALPINE, `true`])).code, 0);
  tt.is((await t([`inspect`, `--format`, `{{.HostConfig.PidMode}}`, `pid-host`])).stdout.trim(), `host`);
  tt.is((await run([`--pid`, `elsewhere`], `true`)).code, 125);
  await t([`rm`, `pid-host`]);
});

test(`a numeric --user the image lacks gets passwd and group entries, as podman gives them`, async tt => {
  const r = await run([`--user`, `1234:5678`, `-w`, `/tmp`], `sh`, `-c`, `whoami; echo $HOME; tail -1 /etc/passwd; tail -1 /etc/group; id`);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout, `1234\n/tmp\n1234:*:1234:5678:container user:/tmp:/bin/sh\n5678:x:5678:1234\nuid=1234(1234) gid=5678(5678) groups=5678(5678)\n`);
  // Users and groups the image has get nothing; the uid stands for a group --user leaves out.
  const known = await run([`--user`, `guest`], `sh`, `-c`, `tail -1 /etc/passwd; tail -1 /etc/group; id -un`);
  tt.is(known.stdout, `nobody:x:65534:65534:nobody:/:/sbin/nologin\nnobody:x:65534:\nguest\n`, known.stderr);
  const noGroup = await run([`--user`, `4321`], `sh`, `-c`, `tail -1 /etc/passwd; tail -1 /etc/group`);
  tt.is(noGroup.stdout, `4321:*:4321:0:container user:/:/bin/sh\n4321:x:4321:4321\n`, noGroup.stderr);
  // The image's own files are not changed: a commit of the container would not hold the entries.
  const plain = await run([], `grep`, `-c`, `container user`, `/etc/passwd`);
  tt.is(plain.stdout, `0\n`);
});

test(`/etc/hosts carries the host's entries and the container's name, after --add-host`, async tt => {
  const r = await run([`--name`, `hosts-named`, `--hostname`, `hh`, `--add-host`, `first.example:10.9.8.7`], `cat`, `/etc/hosts`);
  tt.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split(`\n`);
  tt.is(lines[0], `10.9.8.7\tfirst.example`);
  tt.is(lines[lines.length - 1], `127.0.0.1\thh hosts-named`);
  const host = readFileSync(`/etc/hosts`, `utf8`).split(`\n`).map(l => l.replace(/#.*/, ``).trim().split(/\s+/)).filter(f => f.length >= 2);
  for (const [ip, ...names] of host) tt.true(lines.includes(`${ip}\t${names.join(` `)}`), `host entry ${ip} ${names.join(` `)} is in the container's hosts`);
  tt.true(lines.some(l => /^127\.0\.0\.1\t.*\blocalhost\b/.test(l)));
});

test(`a container without --name gets a readable adjective_surname, distinct from the others`, async tt => {
  const ids: Array<string> = [];
  for (let i = 0; i < 3; i++) {
    const c = await t([`create`, ALPINE, `true`]);
    tt.is(c.code, 0, c.stderr);
    ids.push(c.stdout.trim());
  }
  const names: Array<string> = [];
  for (const id of ids) {
    const n = (await t([`inspect`, `--format`, `{{.Name}}`, id])).stdout.trim();
    tt.regex(n, /^[a-z]+_[a-z]+\d*$/);
    names.push(n);
  }
  tt.is(new Set(names).size, 3);
  const ps = await t([`ps`, `-a`, `--format`, `{{.ID}} {{.Names}}`]);
  for (const [i, id] of ids.entries()) tt.true(ps.stdout.includes(`${id.slice(0, 12)} ${names[i]}\n`), ps.stdout);
  const rm = await t([`rm`, names[0]!]);
  tt.is(rm.code, 0, rm.stderr);
  tt.is(rm.stdout, `${names[0]}\n`);
  await t([`rm`, ...ids.slice(1)]);
});

test(`the container's first process leads a session of its own (as runc's): \`kill 0\` inside reaches nothing outside`, async tt => {
  // tspod in a process group of its own, as a shell's job: the container's `kill -USR2 0`
  // would reach it (and Node dies of SIGUSR2) if the container were in that group.
  const child = spawn(process.execPath, [TSPOD_BIN, `--root`, pulled.s.root, `--runroot`, pulled.s.runroot, `run`, `--rm`, `--network`, `none`, ALPINE,
    `sh`, `-c`, `grep -E '^NS(pgid|sid)' /proc/self/status; kill -USR2 0; sleep 0.3; echo after`], {env: {...process.env, ...pulled.env}, detached: true, stdio: [`ignore`, `pipe`, `pipe`]});
  let out = ``, err = ``;
  child.stdout.on(`data`, d => { out += d; });
  child.stderr.on(`data`, d => { err += d; });
  const [code, signal] = await new Promise<[number | null, string | null]>(resolve => child.on(`close`, (c, s) => resolve([c, s])));
  tt.is(signal, null, `tspod was killed by ${signal}: ${err}`);
  tt.is(code, 0, err);
  tt.is(out, `NSpgid:\t1\nNSsid:\t1\nafter\n`);
});

// Pods end to end as the unprivileged test user: `pod create` with a published port, a
// busybox httpd in it reached from the host and from a second member on 127.0.0.1,
// shared hostname and IPC, the status transitions of `pod ps`, stop/start/restart,
// removal (refused while running, -f leaves no container, process or record), missing
// pods, and a `pod create` killed with SIGKILL.
import test from 'ava';
import {spawn} from 'node:child_process';
import {readFileSync, readdirSync} from 'node:fs';
import {createServer} from 'node:net';
import {get} from 'node:http';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';
import {TSPOD_BIN} from '../../_helpers/project';

const BUSYBOX = SEEDED.busyboxMusl;
const p = pulledStore(BUSYBOX);
const {t} = p;

test.after.always(async () => {
  await t([`pod`, `rm`, `-af`, `-t`, `0`]);
});

async function freePort(): Promise<number> {
  return new Promise(resolve => {
    const srv = createServer().listen(0, `127.0.0.1`, () => {
      const port = (srv.address() as {port: number}).port;
      srv.close(() => resolve(port));
    });
  });
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, res => {
      let body = ``;
      res.on(`data`, d => body += d);
      res.on(`end`, () => res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)));
    }).on(`error`, reject);
  });
}

/** Polls `probe` until it returns a value (not undefined), for up to `ms`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ``}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

const podStatus = async (name: string) => (await t([`pod`, `ps`, `--filter`, `name=^${name}$`, `--format`, `{{.Status}}`])).stdout.trim();

/** The processes that are one of `needles` (pids) or whose command line mentions one (monitors name the run root, pasta and portfwd the infra's pid). */
function processesMentioning(needles: Array<string>): Array<string> {
  const out: Array<string> = [];
  for (const pid of readdirSync(`/proc`).filter(d => /^\d+$/.test(d))) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, `utf8`).split(`\0`).join(` `);
    } catch {
      continue;
    }
    if (needles.includes(pid) || needles.some(n => cmd.split(` `).includes(n) || cmd.includes(`${n}/`))) out.push(`${pid}: ${cmd}`);
  }
  return out;
}

test.serial(`a pod with a published port: httpd reached from the host and from a second member on 127.0.0.1; shared hostname and IPC; ps, inspect`, async tt => {
  const port = await freePort();
  const created = await t([`pod`, `create`, `--name`, `web`, `--label`, `tier=front`, `-p`, `${port}:80`]);
  tt.is(created.code, 0, created.stderr);
  const podId = created.stdout.trim();
  tt.regex(podId, /^[0-9a-f]{64}$/);
  tt.is(await podStatus(`web`), `Created`);
  const inspect = JSON.parse((await t([`pod`, `inspect`, `web`])).stdout) as Record<string, any>;
  tt.is(inspect.Id, podId);
  tt.is(inspect.Name, `web`);
  tt.is(inspect.State, `Created`);
  tt.deepEqual(inspect.Labels, {tier: `front`});
  tt.true(inspect.CreateInfra);
  tt.deepEqual(inspect.SharedNamespaces, [`ipc`, `net`, `uts`]);
  tt.is(inspect.NumContainers, 1);
  tt.is(inspect.Containers[0].Id, inspect.InfraContainerID);
  tt.deepEqual(inspect.InfraConfig.PortBindings, {'80/tcp': [{HostIp: ``, HostPort: String(port)}]});

  const httpd = await t([`run`, `-d`, `--pod`, `web`, `--name`, `httpd`, BUSYBOX, `sh`, `-c`, `echo served > /tmp/index.html && exec httpd -f -p 80 -h /tmp`]);
  tt.is(httpd.code, 0, httpd.stderr);
  tt.is(await podStatus(`web`), `Running`);
  tt.is(await waitFor(`httpd through the published port`, () => httpGet(`http://127.0.0.1:${port}/index.html`)), `served\n`);
  // A second member: the same network (httpd on its 127.0.0.1), hostname (the pod's name) and IPC namespace.
  const peer = await t([`run`, `--rm`, `--pod`, podId.slice(0, 12), BUSYBOX, `sh`, `-c`, `wget -qO- http://127.0.0.1:80/index.html; hostname; readlink /proc/self/ns/ipc`]);
  tt.is(peer.code, 0, peer.stderr);
  const [served, host, ipc] = peer.stdout.trim().split(`\n`);
  tt.is(served, `served`);
  tt.is(host, `web`);
  tt.is((await t([`exec`, `httpd`, `hostname`])).stdout.trim(), `web`);
  tt.is((await t([`exec`, `httpd`, `readlink`, `/proc/self/ns/ipc`])).stdout.trim(), ipc);
  tt.not((await t([`run`, `--rm`, `--network`, `none`, BUSYBOX, `readlink`, `/proc/self/ns/ipc`])).stdout.trim(), ipc);

  const top = await t([`pod`, `top`, `web`, `pid`, `args`]);
  tt.is(top.code, 0, top.stderr);
  tt.regex(top.stdout, /^PID\s+COMMAND\n1\s+httpd -f -p 80 -h \/tmp\n1\s+\/run\/tspod-init pause\n$/);

  // ps --pod, --filter pod=, inspect's Pod.
  const ps = await t([`ps`, `-a`, `--pod`, `--filter`, `pod=web`, `--format`, `{{.Names}} {{.PodName}} {{.IsInfra}}`]);
  tt.is(ps.code, 0, ps.stderr);
  tt.deepEqual(ps.stdout.trim().split(`\n`).sort(), [`${podId.slice(0, 12)}-infra web true`, `httpd web false`]);
  tt.is((await t([`ps`, `-a`, `-q`, `--filter`, `pod=nosuchpod`])).stdout, ``);
  tt.regex((await t([`ps`, `--pod`])).stdout, /POD ID\s+PODNAME\n/);
  tt.is((await t([`inspect`, `--format`, `{{.Pod}}`, `httpd`])).stdout.trim(), podId);
  const list = JSON.parse((await t([`pod`, `ps`, `--format`, `json`])).stdout) as Array<Record<string, any>>;
  tt.is(list.length, 1);
  tt.is(list[0]!.Status, `Running`);
  tt.is(list[0]!.InfraId, inspect.InfraContainerID);
  tt.is(list[0]!.Containers.length, 2);
  tt.is((await t([`pod`, `ps`, `-q`, `--filter`, `label=tier=front`, `--no-trunc`])).stdout.trim(), podId);
  tt.is((await t([`pod`, `ps`, `-q`, `--filter`, `status=exited`])).stdout, ``);
});

test.serial(`the rules of members: -p refused, the infra cannot be removed alone, a member can`, async tt => {
  const pub = await t([`run`, `--rm`, `--pod`, `web`, `-p`, `8080:80`, BUSYBOX, `true`]);
  tt.is(pub.code, 125);
  tt.regex(pub.stderr, /published or exposed ports must be defined when the pod is created/);
  const infra = (await t([`pod`, `inspect`, `--format`, `{{.InfraContainerID}}`, `web`])).stdout.trim();
  const rm = await t([`rm`, `-f`, `-t`, `0`, infra]);
  tt.is(rm.code, 125);
  tt.regex(rm.stderr, /is the infra container of pod [0-9a-f]{64} and cannot be removed without removing the pod/);
  tt.is((await t([`create`, `--pod`, `web`, `--name`, `member`, BUSYBOX, `true`])).code, 0);
  tt.is((await t([`rm`, `member`])).code, 0);
});

test.serial(`pod stop, start, restart: statuses follow, the port serves again after each start`, async tt => {
  const port = (JSON.parse((await t([`pod`, `inspect`, `web`])).stdout) as Record<string, any>).InfraConfig.PortBindings[`80/tcp`][0].HostPort;
  const stop = await t([`pod`, `stop`, `-t`, `1`, `web`]);
  tt.is(stop.code, 0, stop.stderr);
  tt.regex(stop.stdout, /^[0-9a-f]{64}\n$/);
  tt.is(await podStatus(`web`), `Exited`);
  tt.is((await t([`pod`, `start`, `web`])).code, 0);
  tt.is(await podStatus(`web`), `Running`);
  tt.is(await waitFor(`httpd after pod start`, () => httpGet(`http://127.0.0.1:${port}/index.html`)), `served\n`);
  // One member exited, the rest running: Degraded.
  tt.is((await t([`run`, `-d`, `--pod`, `web`, `--name`, `short`, BUSYBOX, `true`])).code, 0);
  tt.is(await waitFor(`a degraded pod`, async () => (await podStatus(`web`)) === `Degraded` ? true : undefined), true);
  tt.is((await t([`rm`, `short`])).code, 0);
  const restart = await t([`pod`, `restart`, `web`]);
  tt.is(restart.code, 0, restart.stderr);
  tt.is(await podStatus(`web`), `Running`);
  tt.is(await waitFor(`httpd after pod restart`, () => httpGet(`http://127.0.0.1:${port}/index.html`)), `served\n`);
  const kill = await t([`pod`, `kill`, `-s`, `KILL`, `web`]);
  tt.is(kill.code, 0, kill.stderr);
  tt.is(await waitFor(`an exited pod`, async () => (await podStatus(`web`)) === `Exited` ? true : undefined), true);
  tt.is((await t([`pod`, `start`, `web`])).code, 0);
});

test.serial(`pod rm refuses a running pod; pod rm -f leaves no container, process or record`, async tt => {
  const infraPid = (await t([`inspect`, `--format`, `{{.State.Pid}}`, (await t([`pod`, `inspect`, `--format`, `{{.InfraContainerID}}`, `web`])).stdout.trim()])).stdout.trim();
  tt.regex(infraPid, /^[1-9]\d*$/);
  const httpdPid = (await t([`inspect`, `--format`, `{{.State.Pid}}`, `httpd`])).stdout.trim();
  const needles = [p.s.runroot, infraPid, httpdPid];
  tt.true(processesMentioning(needles).length >= 3, processesMentioning(needles).join(`\n`)); // monitors, pasta, portfwd
  const refused = await t([`pod`, `rm`, `web`]);
  tt.is(refused.code, 125);
  tt.regex(refused.stderr, /^Error: pod web has 2 running containers/);
  tt.is(await podStatus(`web`), `Running`);
  const rm = await t([`pod`, `rm`, `-f`, `-t`, `0`, `web`]);
  tt.is(rm.code, 0, rm.stderr);
  tt.regex(rm.stdout, /^[0-9a-f]{64}\n$/);
  tt.is((await t([`pod`, `exists`, `web`])).code, 1);
  tt.is((await t([`ps`, `-aq`])).stdout, ``);
  const left = await waitFor(`the pod's processes to go`, () => processesMentioning(needles).length === 0 ? [] : undefined, 20_000).catch(() => processesMentioning(needles));
  tt.deepEqual(left, []);
});

test.serial(`missing pods: podman's words and exit codes`, async tt => {
  for (const verb of [[`inspect`], [`start`], [`stop`], [`kill`]]) {
    const r = await t([`pod`, ...verb, `nosuch`]);
    tt.is(r.code, 125, verb[0]);
    tt.regex(r.stderr, /^Error: no pod with name or ID nosuch found: no such pod\n/, verb[0]);
  }
  const rm = await t([`pod`, `rm`, `nosuch`]);
  tt.is(rm.code, 1);
  tt.regex(rm.stderr, /no pod with name or ID nosuch found: no such pod/);
  tt.is((await t([`pod`, `rm`, `--ignore`, `nosuch`])).code, 0);
  tt.is((await t([`pod`, `exists`, `nosuch`])).code, 1);
  const run = await t([`run`, `--rm`, `--pod`, `nosuch`, BUSYBOX, `true`]);
  tt.is(run.code, 125);
  tt.regex(run.stderr, /no pod with name or ID nosuch found: no such pod/);
});

test.serial(`--pod new:NAME, --infra=false and pod prune`, async tt => {
  const r = await t([`run`, `--pod`, `new:fresh`, `--rm`, BUSYBOX, `hostname`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout, `fresh\n`);
  tt.is(await podStatus(`fresh`), `Running`); // its infra runs on
  const bare = await t([`pod`, `create`, `--infra=false`, `--name`, `bare`]);
  tt.is(bare.code, 0, bare.stderr);
  tt.is((await t([`pod`, `inspect`, `--format`, `{{.CreateInfra}} {{.NumContainers}} {{.State}}`, `bare`])).stdout.trim(), `false 0 Created`);
  // Top-level inspect looks a name up as a pod after containers, images and volumes (podman 4).
  const any = await t([`inspect`, `bare`]);
  tt.is(any.code, 0, any.stderr);
  tt.deepEqual((JSON.parse(any.stdout) as Array<Record<string, unknown>>).map(d => [d.Name, d.CreateInfra]), [[`bare`, false]]);
  tt.is((await t([`inspect`, `--type`, `pod`, `--format`, `{{.Name}} {{.State}}`, `bare`])).stdout.trim(), `bare Created`);
  const notPod = await t([`inspect`, `--type`, `pod`, `nosuchpod`]);
  tt.is(notPod.code, 125);
  tt.regex(notPod.stderr, /no such pod nosuchpod/);
  const out = await t([`run`, `--pod`, `bare`, `--name`, `lone`, `--network`, `none`, BUSYBOX, `true`]);
  tt.is(out.code, 0, out.stderr);
  tt.is(await podStatus(`bare`), `Exited`);
  tt.is((await t([`pod`, `stop`, `fresh`])).code, 0);
  const prune = await t([`pod`, `prune`, `-f`]);
  tt.is(prune.code, 0, prune.stderr);
  tt.is(prune.stdout.trim().split(`\n`).length, 2);
  tt.is((await t([`pod`, `ps`, `-q`])).stdout, ``);
  tt.is((await t([`ps`, `-aq`])).stdout, ``);
});

test.serial(`the pod's --add-host, --dns and --share pid are its members'; system prune takes a stopped pod`, async tt => {
  const created = await t([`pod`, `create`, `--name`, `named`, `--share`, `net,ipc,uts,pid`, `--add-host`, `foo.example:10.1.2.3`, `--dns`, `9.9.9.9`]);
  tt.is(created.code, 0, created.stderr);
  const r = await t([`run`, `--rm`, `--pod`, `named`, BUSYBOX, `sh`, `-c`, `grep foo.example /etc/hosts; grep nameserver /etc/resolv.conf; ps -o pid,args`]);
  tt.is(r.code, 0, r.stderr);
  tt.regex(r.stdout, /^10\.1\.2\.3\s+foo\.example\nnameserver 9\.9\.9\.9\n/);
  tt.regex(r.stdout, /^\s*1 \/run\/tspod-init pause$/m); // the infra's process: PID 1 of the shared pid namespace
  tt.is((await t([`pod`, `stop`, `named`])).code, 0);
  const prune = await t([`system`, `prune`, `-f`]);
  tt.is(prune.code, 0, prune.stderr);
  tt.regex(prune.stdout, new RegExp(`^Deleted Pods\n${created.stdout.trim()}\n`));
  tt.is((await t([`pod`, `exists`, `named`])).code, 1);
});

/** `pod create --name NAME`, killed with SIGKILL once `when()` holds (polled every millisecond), or after `ms`. */
async function killedCreate(name: string, o: {when?: () => boolean, ms?: number}): Promise<void> {
  const child = spawn(process.execPath, [TSPOD_BIN, `--root`, p.s.root, `--runroot`, p.s.runroot, `pod`, `create`, `--name`, name], {env: {...process.env, ...p.env}, stdio: `ignore`});
  const exited = new Promise(r => child.once(`exit`, r));
  const end = Date.now() + (o.ms ?? 60_000);
  while (Date.now() < end && child.exitCode === null && !(o.when?.() ?? false)) await new Promise(r => setTimeout(r, 1));
  child.kill(`SIGKILL`);
  await exited;
}

/** Whether the pod index names the pod (the record is written before the infra container is made). */
function recorded(name: string): boolean {
  try {
    return (JSON.parse(readFileSync(`${p.s.root}/pods/pods.json`, `utf8`)) as Array<{name: string}>).some(x => x.name === name);
  } catch {
    return false;
  }
}

test.serial(`a pod create killed with SIGKILL: pod ps still works; prune removes a pod left without its infra, a start makes it whole`, async tt => {
  await killedCreate(`halfway`, {when: () => recorded(`halfway`)});
  const ps = await t([`pod`, `ps`, `--format`, `{{.Name}} {{.Status}}`]);
  tt.is(ps.code, 0, ps.stderr);
  tt.is(ps.stdout, `halfway Created\n`);
  const prune = await t([`pod`, `prune`, `-f`]);
  tt.is(prune.code, 0, prune.stderr);
  tt.is((await t([`pod`, `exists`, `halfway`])).code, 1);
  tt.is((await t([`ps`, `-aq`])).stdout, ``);

  await killedCreate(`mended`, {when: () => recorded(`mended`)});
  const start = await t([`pod`, `start`, `mended`]);
  tt.is(start.code, 0, start.stderr);
  tt.is(await podStatus(`mended`), `Running`);
  tt.is((await t([`pod`, `inspect`, `--format`, `{{.NumContainers}}`, `mended`])).stdout.trim(), `1`);
  tt.is((await t([`pod`, `rm`, `-f`, `-t`, `0`, `mended`])).code, 0);
});

test.serial(`pod creates killed after growing delays: pod rm -af leaves nothing, the names are free again`, async tt => {
  for (const [i, ms] of [100, 250, 400, 550, 700, 900].entries()) {
    await killedCreate(`killed${i}`, {ms});
    const ps = await t([`pod`, `ps`]);
    tt.is(ps.code, 0, ps.stderr);
  }
  const rm = await t([`pod`, `rm`, `-af`, `-t`, `0`]);
  tt.is(rm.code, 0, rm.stderr);
  tt.is((await t([`pod`, `ps`, `-q`])).stdout, ``);
  tt.is((await t([`ps`, `-aq`])).stdout, ``);
  const again = await t([`pod`, `create`, `--name`, `killed0`]);
  tt.is(again.code, 0, again.stderr);
  tt.is((await t([`pod`, `rm`, `killed0`])).code, 0);
});

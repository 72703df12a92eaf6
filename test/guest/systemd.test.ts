// Runs in the guest VM only (test/_harness/vm.mjs), as uid 1001 with a running
// `systemd --user`: Quadlet units from the tspod user generator (installed by
// test/vm/guest-run.sh as root, as install.sh would), Type=notify with --sdnotify,
// the container in the unit's cgroup, systemctl --user stop, and tspod-restart.service.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {get} from 'node:http';
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {runTspod} from '../_helpers/runCli';
import {SEEDED} from '../_helpers/registry';
import {PROJECT_DIR} from '../_helpers/project';
import {LONG, TSPOD, configureRegistry, home, journal, systemctl, unitState, userUnits, waitFor} from './_guest';

const PORT = 18080;

function httpGet(url: string): Promise<{status: number, body: string}> {
  return new Promise((resolve, reject) => {
    const req = get(url, {timeout: 20_000}, res => {
      let body = ``;
      res.setEncoding(`utf8`);
      res.on(`data`, d => { body += d; });
      res.on(`end`, () => resolve({status: res.statusCode ?? 0, body}));
    });
    req.on(`timeout`, () => req.destroy(new Error(`timed out`)));
    req.on(`error`, reject);
  });
}

test.before(() => configureRegistry());

test(`a Quadlet .container runs busybox httpd as a Type=notify user service in the unit's cgroup; stop stops and removes it`, async t => {
  t.true(existsSync(`/etc/systemd/user-generators/tspod-user-generator`), `the generator is installed`);
  writeFileSync(join(home, `.config/containers/systemd/web.container`), [
    `[Unit]`, `Description=tspod quadlet test`, ``,
    `[Container]`, `Image=${SEEDED.busyboxGlibc}`, `ContainerName=qweb`, `PublishPort=127.0.0.1:${PORT}:8080`, `Environment=GREETING=hello-from-quadlet`,
    `Exec=sh -c 'trap "exit 0" TERM; mkdir -p /www; printenv GREETING > /www/index.html; httpd -f -p 8080 -h /www & wait'`, ``,
    `[Service]`, `TimeoutStartSec=600`, `TimeoutStopSec=60`, ``, `[Install]`, `WantedBy=default.target`, ``,
  ].join(`\n`));
  const dry = await runTspod([`quadlet`, `--dryrun`], LONG);
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, /---web\.service---/);
  t.regex(dry.stdout, /Type=notify/);
  t.regex(dry.stdout, /--cgroups split --sdnotify conmon/);
  t.is(systemctl(`daemon-reload`).status, 0);
  const cat = systemctl(`cat`, `web.service`);
  t.is(cat.status, 0, cat.stderr);
  t.regex(cat.stdout, /generator/);
  const start = systemctl(`start`, `web.service`); // returns once READY=1 arrived
  t.is(start.status, 0, `${start.stderr}\n${journal(`web.service`)}`);
  t.is(unitState(`web.service`), `active`);
  // The container's processes live in the unit's own cgroup (--cgroups split), not in a scope.
  const uid = process.getuid!();
  const unit = `/sys/fs/cgroup/user.slice/user-${uid}.slice/user@${uid}.service/app.slice/web.service`;
  const sub = readdirSync(unit).find(n => /^tspod-[0-9a-f]{12}$/.test(n));
  if (!sub) {
    // What the unit and tspod saw, for the failure below.
    const procs = readFileSync(`${unit}/cgroup.procs`, `utf8`).split(`\n`).filter(Boolean).map(p => `${p}: ${readFileSync(`/proc/${p}/cmdline`, `utf8`).split(`\0`).join(` `)}`);
    const ps = await runTspod([`ps`, `-a`, `--format`, `{{.Names}} {{.Status}}`], LONG);
    t.fail(`no container cgroup under ${unit}: ${readdirSync(unit)}\nprocesses: ${procs.join(`\n`)}\nps: ${ps.stdout}${ps.stderr}\n${journal(`web.service`)}`);
    return;
  }
  // READY=1 came once the container process existed: httpd may still be starting.
  let last: unknown;
  const res = await waitFor(() => httpGet(`http://127.0.0.1:${PORT}/`).catch(err => { last = err; }).then(r => r?.status === 200 ? r : undefined), 60_000, 500);
  t.is(res?.body.trim(), `hello-from-quadlet`, `the published port serves httpd's page (${last})\n${journal(`web.service`)}`);
  const pids = readFileSync(`${unit}/${sub}/container/cgroup.procs`, `utf8`).split(`\n`).filter(Boolean).map(Number);
  t.true(pids.some(p => /httpd/.test(readFileSync(`/proc/${p}/cmdline`, `utf8`))), `httpd runs in the unit's container cgroup: ${pids}`);
  const stop = systemctl(`stop`, `web.service`);
  t.is(stop.status, 0, stop.stderr);
  t.is(unitState(`web.service`), `inactive`);
  for (const p of pids) t.false(existsSync(`/proc/${p}`), `container process ${p} is gone`);
  const ps = await runTspod([`ps`, `-a`, `--format`, `{{.Names}}`], LONG);
  t.is(ps.code, 0, ps.stderr);
  t.false(ps.stdout.split(`\n`).includes(`qweb`), `--rm removed it: ${ps.stdout}`);
});

test(`tspod-restart.service brings --restart always containers back after a simulated reboot`, async t => {
  // A store of its own: the "reboot" below empties its run-time folder, which must not
  // pull the rug from under the other guest tests (they run at the same time).
  const root = join(home, `restart-store`);
  const runroot = join(process.env.XDG_RUNTIME_DIR!, `tspod-restart-test`);
  const store = [`--root`, root, `--runroot`, runroot];
  const tspod = (args: Array<string>) => runTspod([...store, ...args], LONG);
  const run = await tspod([`run`, `-d`, `--name`, `keeper`, `--network`, `none`, `--restart`, `always`, SEEDED.busyboxGlibc, `sleep`, `1000`]);
  t.is(run.code, 0, run.stderr);
  const other = await tspod([`run`, `-d`, `--name`, `once`, `--network`, `none`, SEEDED.busyboxGlibc, `sleep`, `1000`]);
  t.is(other.code, 0, other.stderr);
  const before = JSON.parse((await tspod([`inspect`, `keeper`, `once`])).stdout);
  // "Reboot": every process of the containers dies at once and the run-time state is lost.
  for (const c of before) for (const p of [c.State.ConmonPid, c.State.Pid]) try { process.kill(p, `SIGKILL`); } catch {}
  t.true(await waitFor(() => before.every((c: any) => !existsSync(`/proc/${c.State.Pid}`)), 10_000, 100), `the containers died`);
  spawnSync(join(PROJECT_DIR, `helpers/tspod-helper`), [`userns`, `--`, `rm`, `-rf`, runroot]);
  t.false(existsSync(runroot));
  mkdirSync(userUnits, {recursive: true});
  writeFileSync(join(userUnits, `tspod-restart.service`),
    readFileSync(join(PROJECT_DIR, `contrib/systemd/user/tspod-restart.service.in`), `utf8`).replaceAll(`@TSPOD@`, `${TSPOD} ${store.join(` `)}`));
  t.is(systemctl(`daemon-reload`).status, 0);
  t.is(systemctl(`enable`, `tspod-restart.service`).status, 0);
  t.true(existsSync(join(userUnits, `default.target.wants/tspod-restart.service`)), `enabled for every boot`);
  const st = systemctl(`start`, `tspod-restart.service`); // what default.target does at boot
  t.is(st.status, 0, `${st.stderr}\n${journal(`tspod-restart.service`)}`);
  const after = JSON.parse((await tspod([`inspect`, `keeper`, `once`])).stdout);
  t.is(after[0].State.Status, `running`, JSON.stringify(after[0].State));
  t.not(after[0].State.Pid, before[0].State.Pid);
  t.true(existsSync(`/proc/${after[0].State.Pid}`), `keeper's new process runs`);
  t.not(after[1].State.Status, `running`, `only restart-policy=always comes back`);
  await tspod([`rm`, `-f`, `-t`, `0`, `keeper`, `once`]);
});

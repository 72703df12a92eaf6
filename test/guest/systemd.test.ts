// Runs in the guest VM only (test/_harness/vm.mjs), as uid 1001 with a running
// `systemd --user`: Quadlet units from the tspod user generator (installed by
// test/vm/guest-run.sh as root, as install.sh would), Type=notify with --sdnotify,
// the container in the unit's cgroup, systemctl --user stop, and tspod-restart.service.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import {runTspod} from '../_helpers/runCli';
import {REGISTRY, SEEDED} from '../_helpers/registry';
import {PROJECT_DIR, TSPOD_BIN} from '../_helpers/project';

const LONG = {timeoutMs: 300_000};
const home = homedir();
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));
const systemctl = (...a: Array<string>) => spawnSync(`systemctl`, [`--user`, ...a], {encoding: `utf8`, timeout: 300_000});

test.before(() => {
  // The units use the default store and ~/.config: mark the test registry insecure there.
  mkdirSync(join(home, `.config/containers/systemd`), {recursive: true});
  writeFileSync(join(home, `.config/containers/registries.conf`), `[[registry]]\nlocation = "${REGISTRY}"\ninsecure = true\n`);
});

test.serial(`the user generator turns a .container into a service; Type=notify starts it in the unit's cgroup; stop stops it`, async t => {
  t.true(existsSync(`/etc/systemd/user-generators/tspod-user-generator`), `the generator is installed`);
  writeFileSync(join(home, `.config/containers/systemd/web.container`), [
    `[Unit]`, `Description=tspod quadlet test`, ``,
    `[Container]`, `Image=${SEEDED.busyboxGlibc}`, `ContainerName=qweb`, `Network=none`, `Environment=GREETING=hi`,
    `Exec=sh -c 'trap "exit 0" TERM; echo started $GREETING; while :; do sleep 1; done'`, ``,
    `[Service]`, `TimeoutStartSec=600`, ``, `[Install]`, `WantedBy=default.target`, ``,
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
  t.is(start.status, 0, `${start.stderr}\n${spawnSync(`journalctl`, [`--user`, `-u`, `web.service`, `--no-pager`], {encoding: `utf8`}).stdout}`);
  t.is(systemctl(`is-active`, `web.service`).stdout.trim(), `active`);
  const i = JSON.parse((await runTspod([`inspect`, `qweb`], LONG)).stdout)[0];
  t.is(i.State.Status, `running`);
  // The container's processes live in the unit's own cgroup (--cgroups split), not in a scope.
  const uid = process.getuid!();
  const unit = `/sys/fs/cgroup/user.slice/user-${uid}.slice/user@${uid}.service/app.slice/web.service`;
  const sub = readdirSync(unit).find(n => /^tspod-[0-9a-f]{12}$/.test(n));
  t.truthy(sub, `container cgroup under ${unit}: ${readdirSync(unit)}`);
  const pid = Number(readFileSync(`${unit}/${sub}/container/cgroup.procs`, `utf8`).split(`\n`)[0]);
  t.true(pid > 0);
  t.regex(readFileSync(`/proc/${pid}/cmdline`, `utf8`), /sh/);
  const stop = systemctl(`stop`, `web.service`);
  t.is(stop.status, 0, stop.stderr);
  t.not(systemctl(`is-active`, `web.service`).stdout.trim(), `active`);
  await sleep(1000);
  t.false(existsSync(`/proc/${pid}`), `the container process is gone`);
  const ps = await runTspod([`ps`, `-a`, `--format`, `json`], LONG);
  t.false(ps.stdout.includes(`qweb`), `--rm removed it: ${ps.stdout}`);
});

test.serial(`tspod-restart.service brings --restart always containers back after a simulated reboot`, async t => {
  const run = await runTspod([`run`, `-d`, `--name`, `keeper`, `--network`, `none`, `--restart`, `always`, SEEDED.busyboxGlibc, `sleep`, `1000`], LONG);
  t.is(run.code, 0, run.stderr);
  const other = await runTspod([`run`, `-d`, `--name`, `once`, `--network`, `none`, SEEDED.busyboxGlibc, `sleep`, `1000`], LONG);
  t.is(other.code, 0, other.stderr);
  const before = JSON.parse((await runTspod([`inspect`, `keeper`, `once`], LONG)).stdout);
  // "Reboot": every process of the containers dies at once and the run-time state is lost.
  for (const c of before) for (const p of [c.State.ConmonPid, c.State.Pid]) try { process.kill(p, `SIGKILL`); } catch {}
  await sleep(500);
  const runroot = join(process.env.XDG_RUNTIME_DIR!, `tspod`);
  spawnSync(join(PROJECT_DIR, `helpers/tspod-helper`), [`userns`, `--`, `rm`, `-rf`, runroot]);
  const tspod = `${process.execPath} ${TSPOD_BIN}`;
  mkdirSync(join(home, `.config/systemd/user`), {recursive: true});
  writeFileSync(join(home, `.config/systemd/user/tspod-restart.service`),
    readFileSync(join(PROJECT_DIR, `contrib/systemd/user/tspod-restart.service.in`), `utf8`).replaceAll(`@TSPOD@`, tspod));
  t.is(systemctl(`daemon-reload`).status, 0);
  t.is(systemctl(`enable`, `tspod-restart.service`).status, 0);
  const st = systemctl(`start`, `tspod-restart.service`); // what default.target does at boot
  t.is(st.status, 0, `${st.stderr}\n${spawnSync(`journalctl`, [`--user`, `-u`, `tspod-restart.service`, `--no-pager`], {encoding: `utf8`}).stdout}`);
  const after = JSON.parse((await runTspod([`inspect`, `keeper`, `once`], LONG)).stdout);
  t.is(after[0].State.Status, `running`, JSON.stringify(after[0].State));
  t.not(after[0].State.Pid, before[0].State.Pid);
  t.not(after[1].State.Status, `running`, `only restart-policy=always comes back`);
  await runTspod([`rm`, `-f`, `-t`, `0`, `keeper`, `once`], LONG);
});

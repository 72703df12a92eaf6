// Runs in the guest VM only (test/_harness/vm.mjs), as uid 1001 with a running
// `systemd --user`: Type=notify units whose tspod says READY=1 itself (--sdnotify conmon)
// or relays the container's own READY=1 (--sdnotify container), in the foreground and
// with run -d (where the monitor must become the unit's main process).
import test from 'ava';
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {runTspod} from '../_helpers/runCli';
import {SEEDED} from '../_helpers/registry';
import {PROJECT_DIR} from '../_helpers/project';
import {LONG, TSPOD, configureRegistry, home, journal, systemctl, unitProp, unitState, userUnits, waitFor} from './_guest';

const IMG = SEEDED.busyboxGlibc;
/** A static sd-notify (test/vm/sd-notify.c; busybox has none), packed in by vm.mjs. */
const BIN = join(PROJECT_DIR, `test-bin`);
const trig = mkdtempSync(join(home, `sdnotify-`));

/** A container that says where its socket is, waits for `NAME.go`, then says READY=1 itself. */
const waiter = (name: string) => `trap "exit 0" TERM; ls -A /run/notify > /trig/${name}.ls; printenv NOTIFY_SOCKET > /trig/${name}.env; ` +
  `while [ ! -e /trig/${name}.go ]; do sleep 0.2; done; /t/sd-notify READY=1 STATUS=${name}-ready; while :; do sleep 0.5; done`;

function unit(file: string, start: string, name: string, detached: boolean): void {
  writeFileSync(join(userUnits, file), [
    `[Service]`, `Type=notify`, `NotifyAccess=all`, `TimeoutStartSec=400`, `TimeoutStopSec=60`,
    `ExecStart=${TSPOD} ${start}`,
    ...(detached ? [`ExecStop=${TSPOD} stop -t 2 ${name}`] : []),
    `ExecStopPost=-${TSPOD} rm -f --ignore ${name}`, ``,
  ].join(`\n`));
}

test.before(async t => {
  configureRegistry();
  t.true(existsSync(join(BIN, `sd-notify`)), `the packed sd-notify`);
  const common = `--network none -v ${BIN}:/t:ro -v ${trig}:/trig ${IMG}`;
  unit(`sdn-fg.service`, `run --rm --name sdnfg --sdnotify container ${common} sh -c '${waiter(`fg`)}'`, `sdnfg`, false);
  unit(`sdn-d.service`, `run -d --name sdnd --sdnotify container ${common} sh -c '${waiter(`d`)}'`, `sdnd`, true);
  unit(`sdn-conmon.service`, `run -d --name sdnc --network none ${IMG} sh -c 'trap "exit 0" TERM; while :; do sleep 0.5; done'`, `sdnc`, true);
  t.is(systemctl(`daemon-reload`).status, 0);
});

/** --sdnotify container: active only once the container said READY=1, relayed with its STATUS=. */
async function containerReady(t: any, name: string, service: string): Promise<void> {
  t.is(systemctl(`start`, `--no-block`, service).status, 0);
  const running = await waitFor(() => existsSync(join(trig, `${name}.env`)), 240_000);
  t.true(running, `the container of ${service} never ran:\n${journal(service)}`);
  t.is(readFileSync(join(trig, `${name}.env`), `utf8`).trim(), `/run/notify/notify.sock`);
  // The container sees its own socket, not the user's systemd folder (its private bus).
  t.is(readFileSync(join(trig, `${name}.ls`), `utf8`).trim(), `notify.sock`);
  t.is(unitState(service), `activating`, `not ready before the container says so`);
  writeFileSync(join(trig, `${name}.go`), ``);
  const active = await waitFor(() => unitState(service) === `active`, 60_000);
  t.true(active, `${service} is ${unitState(service)}:\n${journal(service)}`);
  t.is(unitProp(service, `StatusText`), `${name}-ready`);
}

test(`--sdnotify container (foreground): the unit is active once the container says READY=1; stop removes it`, async t => {
  await containerReady(t, `fg`, `sdn-fg.service`);
  const main = Number(unitProp(`sdn-fg.service`, `MainPID`));
  t.regex(readFileSync(`/proc/${main}/cmdline`, `utf8`).replaceAll(`\0`, ` `), /tspod\.js run --rm --name sdnfg/, `tspod run stays the main process`);
  t.is(systemctl(`stop`, `sdn-fg.service`).status, 0);
  t.is(unitState(`sdn-fg.service`), `inactive`);
  const ps = await runTspod([`ps`, `-a`, `--format`, `{{.Names}}`], LONG);
  t.is(ps.code, 0, ps.stderr);
  t.false(ps.stdout.split(`\n`).includes(`sdnfg`), ps.stdout);
});

test(`--sdnotify container with run -d: the monitor becomes the main process, READY=1 comes from the container`, async t => {
  await containerReady(t, `d`, `sdn-d.service`);
  const i = JSON.parse((await runTspod([`inspect`, `sdnd`], LONG)).stdout)[0];
  t.is(i.State.Status, `running`);
  t.is(Number(unitProp(`sdn-d.service`, `MainPID`)), i.State.ConmonPid, `MainPID is the container's monitor`);
  t.is(systemctl(`stop`, `sdn-d.service`).status, 0);
  t.is(unitState(`sdn-d.service`), `inactive`);
  t.false(existsSync(`/proc/${i.State.Pid}`), `the container process is gone`);
});

test(`--sdnotify conmon with run -d: tspod says READY=1 and hands the unit to the monitor`, async t => {
  const start = systemctl(`start`, `sdn-conmon.service`); // returns once READY=1 arrived
  t.is(start.status, 0, `${start.stderr}\n${journal(`sdn-conmon.service`)}`);
  t.is(unitState(`sdn-conmon.service`), `active`);
  const i = JSON.parse((await runTspod([`inspect`, `sdnc`], LONG)).stdout)[0];
  t.is(i.State.Status, `running`);
  t.is(Number(unitProp(`sdn-conmon.service`, `MainPID`)), i.State.ConmonPid);
  t.is(systemctl(`stop`, `sdn-conmon.service`).status, 0);
  t.false(existsSync(`/proc/${i.State.Pid}`), `the container process is gone`);
});

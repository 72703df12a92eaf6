// The container state machine without processes: reconcile() against probes, pid
// start times, restart policies, signals, the k8s-file parser and --format templates.
import test from 'ava';
import {LOST_EXIT_CODE, parseRestartPolicy, podmanStatus, reconcile, statusLine} from '../../../src/engine/lifecycle/state';
import {isAlive, parseProcState, parseStartTime, startTimeOf} from '../../../src/engine/lifecycle/procStat';
import {parseSignal} from '../../../src/engine/signals';
import {goDurationMs, parseLog, parseSince, parseUntil} from '../../../src/engine/verbs/logs';
import {parseDetachKeys} from '../../../src/engine/verbs/attach';
import {renderTemplate} from '../../../src/cli/goTemplate';

const running = {state: `running`, monitorPid: 100, monitorStart: `5`, pid: 101, pidStart: `6`, startedAt: `2024-01-01T00:00:00Z`};

test(`running with a live monitor and no exit file stays running`, t => {
  const r = reconcile(running, {monitorAlive: true, ctrAlive: true, ctrPid: 101});
  t.false(r.changed);
  t.is(r.meta.state, `running`);
});

test(`the exit file makes it exited with the recorded code`, t => {
  const r = reconcile(running, {exit: {exitCode: 3, finishedAt: `2024-01-01T00:00:01Z`, restartCount: 0}, monitorAlive: false, ctrAlive: false});
  t.true(r.changed);
  t.is(r.meta.state, `exited`);
  t.is(r.meta.exitCode, 3);
  t.is(r.meta.monitorPid, undefined);
  t.is(r.orphan, undefined);
});

test(`a dead monitor without an exit file (kill -9, reboot): exited, never stuck running; the orphan is killed`, t => {
  const r = reconcile(running, {monitorAlive: false, ctrAlive: true, ctrPid: 101});
  t.is(r.meta.state, `exited`);
  t.is(r.meta.exitCode, LOST_EXIT_CODE);
  t.is(r.orphan, 101);
  t.truthy(r.meta.finishedAt);
});

test(`a restarted container (monitor alive, exit file gone) reads running with its new pid and count`, t => {
  const r = reconcile({...running, state: `exited`, exitCode: 1}, {monitorAlive: true, ctrAlive: true, ctrPid: 202, restartCount: 2});
  t.is(r.meta.state, `running`);
  t.is(r.meta.pid, 202);
  t.is(r.meta.restartCount, 2);
});

test(`created and removing containers are left alone`, t => {
  t.false(reconcile({state: `created`}, {monitorAlive: false, ctrAlive: false}).changed);
  t.false(reconcile({state: `removing`, monitorPid: 1}, {monitorAlive: false, ctrAlive: false}).changed);
});

test(`podman's status words and ps status lines`, t => {
  t.is(podmanStatus({state: `configured`}), `created`);
  t.is(podmanStatus({state: `stopped`}), `exited`);
  const now = Date.parse(`2024-01-01T00:05:00Z`);
  t.is(statusLine({state: `running`, startedAt: `2024-01-01T00:00:00Z`}, now), `Up 5 minutes`);
  t.is(statusLine({state: `exited`, exitCode: 2, finishedAt: `2024-01-01T00:04:58Z`}, now), `Exited (2) 2 seconds ago`);
  t.is(statusLine({state: `created`}, now), `Created`);
});

test(`restart policies`, t => {
  t.deepEqual(parseRestartPolicy(undefined), {name: `no`, max: 0});
  t.deepEqual(parseRestartPolicy(`on-failure:3`), {name: `on-failure`, max: 3});
  t.deepEqual(parseRestartPolicy(`unless-stopped`), {name: `unless-stopped`, max: 0});
  t.throws(() => parseRestartPolicy(`always:2`));
  t.throws(() => parseRestartPolicy(`sometimes`));
  t.throws(() => parseRestartPolicy(`on-failure:x`));
});

test(`/proc/PID/stat: start time after a comm with spaces and parentheses; pid reuse is detected`, t => {
  const stat = `1234 (a (weird) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100 18446744073709551615`;
  t.is(parseStartTime(stat), `987654`);
  t.is(parseProcState(stat), `S`);
  const mine = startTimeOf(process.pid);
  t.truthy(mine);
  t.true(isAlive(process.pid, mine));
  t.false(isAlive(process.pid, `1`), `same pid, other start time: a reused pid`);
  t.false(isAlive(999_999_999));
});

test(`signals by name, SIG name and number`, t => {
  t.is(parseSignal(`TERM`), 15);
  t.is(parseSignal(`SIGKILL`), 9);
  t.is(parseSignal(`usr1`), 10);
  t.is(parseSignal(`2`), 2);
  t.throws(() => parseSignal(`NOPE`), {message: /invalid signal/});
  t.throws(() => parseSignal(`99`));
});

test(`k8s-file records: partial records joined, streams kept apart`, t => {
  const carry = {};
  const lines = parseLog([
    `2024-01-01T00:00:00.000000000+00:00 stdout P hel`,
    `2024-01-01T00:00:00.100000000+00:00 stdout F lo`,
    `2024-01-01T00:00:01.000000000+00:00 stderr F oops`,
    `2024-01-01T00:00:02.000000000+00:00 stdout P tail`,
    ``,
  ].join(`\n`), carry);
  t.deepEqual(lines.map(l => [l.stream, l.text]), [[`stdout`, `hello`], [`stderr`, `oops`]]);
  t.is((carry as any).pending.text, `tail`);
  t.is(parseSince(`90s`, 100_000), 10_000);
  t.is(parseSince(`1700000000`), 1_700_000_000_000);
  t.throws(() => parseSince(`yesterday`));
  t.is(parseUntil(`90s`, 100_000), 190_000);
  t.is(parseSince(`1h30m`, 10_000_000), 10_000_000 - 5_400_000);
  t.is(parseUntil(`1.5h`, 0), 5_400_000);
  t.is(parseSince(`-10m`, 0), 600_000);
  for (const [d, ms] of [[`500ms`, 500], [`2m3.5s`, 123_500], [`1h2m`, 3_720_000], [`250us`, 0.25], [`0`, 0]] as const) t.is(goDurationMs(d), ms, d);
  for (const d of [`1d`, `m`, `1h 2m`, ``]) t.is(goDurationMs(d), undefined, d);
});

test(`detach keys`, t => {
  t.deepEqual(parseDetachKeys(undefined), [16, 17]);
  t.deepEqual(parseDetachKeys(`ctrl-a,x`), [1, 120]);
  t.deepEqual(parseDetachKeys(``), []);
  t.throws(() => parseDetachKeys(`ctrl-ab`));
});

test(`Go templates: fields, json, index, range, Go printing`, t => {
  const doc = {State: {Pid: 42, Running: true}, Config: {Cmd: [`sleep`, `1`], Labels: {a: `b`}}, Name: `x`};
  t.is(renderTemplate(`{{.State.Pid}}`, doc), `42`);
  t.is(renderTemplate(`{{.Name}}\t{{.State.Running}}`, doc), `x\ttrue`);
  t.is(renderTemplate(`{{json .Config.Cmd}}`, doc), `["sleep","1"]`);
  t.is(renderTemplate(`{{.Config.Cmd}}`, doc), `[sleep 1]`);
  t.is(renderTemplate(`{{index .Config.Labels "a"}}`, doc), `b`);
  t.is(renderTemplate(`{{range .Config.Cmd}}<{{.}}>{{end}}`, doc), `<sleep><1>`);
  t.throws(() => renderTemplate(`{{.Nope}}`, doc), {message: /can't evaluate field Nope/});
});

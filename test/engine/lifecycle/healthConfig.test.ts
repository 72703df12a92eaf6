// Health check configuration and state without processes: the --health-* flags over
// the image's Healthcheck (podman's MakeHealthCheckFromCli), HEALTHCHECK instructions,
// Go durations, and one result folded into the state (podman's updateHealthCheckLog).
import test from 'ava';
import {goDurationString, healthArgv, parseGoDuration, parseHealthcheckInstruction, resolveHealthcheck} from '../../../src/engine/lifecycle/healthConfig';
import {foldResult, MAX_LOG_ENTRIES, startingState} from '../../../src/engine/lifecycle/health';
import type {HealthState} from '../../../src/engine/lifecycle/health';

const S = 1e9;

test(`Go durations`, t => {
  t.is(parseGoDuration(`30s`), 30 * S);
  t.is(parseGoDuration(`1m30s`), 90 * S);
  t.is(parseGoDuration(`500ms`), 0.5 * S);
  t.is(parseGoDuration(`1.5h`), 5400 * S);
  t.is(parseGoDuration(`0`), 0);
  t.is(parseGoDuration(`30`), undefined);
  t.is(parseGoDuration(`1s2`), undefined);
  t.is(parseGoDuration(``), undefined);
  t.is(goDurationString(S), `1s`);
  t.is(goDurationString(90 * S), `1m30s`);
  t.is(goDurationString(0.25 * S), `250ms`);
});

test(`--health-cmd forms: shell string, JSON exec form, CMD / CMD-SHELL / NONE`, t => {
  const test = (cmd: string) => resolveHealthcheck({healthCmd: cmd}, undefined)?.Test;
  t.deepEqual(test(`curl -f http://localhost/ || exit 1`), [`CMD-SHELL`, `curl -f http://localhost/ || exit 1`]);
  t.deepEqual(test(`["/bin/check", "--quick"]`), [`CMD`, `/bin/check`, `--quick`]);
  t.deepEqual(test(`["/bin/check"]`), [`CMD-SHELL`, `/bin/check`]);
  t.deepEqual(test(`["CMD-SHELL", "exit 0"]`), [`CMD-SHELL`, `exit 0`]);
  t.deepEqual(test(`CMD /bin/true`), [`CMD`, `/bin/true`]);
  t.is(test(`none`), undefined);
  t.is(test(`["NONE"]`), undefined);
  t.throws(() => test(`[]`), {message: /must define a healthcheck command/});
  t.deepEqual(healthArgv({Test: [`CMD-SHELL`, `exit 1`], Interval: 0, Timeout: S, StartPeriod: 0, Retries: 1}), [`/bin/sh`, `-c`, `exit 1`]);
  t.deepEqual(healthArgv({Test: [`CMD`, `/bin/true`, `x`], Interval: 0, Timeout: S, StartPeriod: 0, Retries: 1}), [`/bin/true`, `x`]);
});

test(`defaults, the image's values, and flags over them`, t => {
  t.deepEqual(resolveHealthcheck({healthCmd: `true`}, undefined), {Test: [`CMD-SHELL`, `true`], Interval: 30 * S, Timeout: 30 * S, StartPeriod: 0, Retries: 3});
  const image = {Test: [`CMD`, `/ok`], Interval: 5 * S, Timeout: 2 * S, StartPeriod: 10 * S, Retries: 7};
  t.deepEqual(resolveHealthcheck({}, image), {Test: [`CMD`, `/ok`], Interval: 5 * S, Timeout: 2 * S, StartPeriod: 10 * S, Retries: 7});
  t.deepEqual(resolveHealthcheck({healthInterval: `disable`, healthRetries: `1`}, image), {Test: [`CMD`, `/ok`], Interval: 0, Timeout: 2 * S, StartPeriod: 10 * S, Retries: 1});
  t.is(resolveHealthcheck({noHealthcheck: true}, image), undefined);
  t.is(resolveHealthcheck({}, {Test: [`NONE`]}), undefined);
  t.is(resolveHealthcheck({}, undefined), undefined);
  t.is(resolveHealthcheck({healthInterval: `1s`}, undefined), undefined, `flags alone make no check`);
});

test(`HEALTHCHECK instructions`, t => {
  t.deepEqual(parseHealthcheckInstruction(`--interval=1s --retries=4 CMD echo hi`), {Interval: S, Retries: 4, Test: [`CMD-SHELL`, `echo hi`]});
  t.deepEqual(parseHealthcheckInstruction(`CMD ["/bin/true"]`), {Test: [`CMD`, `/bin/true`]});
  t.deepEqual(parseHealthcheckInstruction(`--start-period=1m --timeout=3s CMD true`), {StartPeriod: 60 * S, Timeout: 3 * S, Test: [`CMD-SHELL`, `true`]});
  t.deepEqual(parseHealthcheckInstruction(`NONE`), {Test: [`NONE`]});
  t.throws(() => parseHealthcheckInstruction(`--bogus=1 CMD true`), {message: /invalid HEALTHCHECK option --bogus/});
  t.throws(() => parseHealthcheckInstruction(`echo hi`), {message: /want \[OPTIONS\] CMD command, or NONE/});
});

test(`results fold in: retries, start period, a success resets, five entries kept`, t => {
  const hc = {Test: [`CMD`, `x`], Interval: S, Timeout: S, StartPeriod: 0, Retries: 2};
  const entry = (code: number, i: number) => ({Start: `s${i}`, End: `e${i}`, ExitCode: code, Output: `o${i}`});
  let h: HealthState = startingState({Status: `unhealthy`, FailingStreak: 9, Log: [entry(1, 0)]});
  t.deepEqual(h, {Status: `starting`, FailingStreak: 0, Log: [entry(1, 0)]});
  h = foldResult(h, entry(1, 1), hc, true);
  t.deepEqual([h.Status, h.FailingStreak], [`starting`, 0], `in the start period a failure does not count`);
  h = foldResult(h, entry(1, 2), hc, false);
  t.deepEqual([h.Status, h.FailingStreak], [`starting`, 1]);
  h = foldResult(h, entry(1, 3), hc, false);
  t.deepEqual([h.Status, h.FailingStreak], [`unhealthy`, 2]);
  h = foldResult(h, entry(0, 4), hc, false);
  t.deepEqual([h.Status, h.FailingStreak], [`healthy`, 0]);
  for (let i = 5; i < 12; i++) h = foldResult(h, entry(0, i), hc, false);
  t.is(h.Log!.length, MAX_LOG_ENTRIES);
  t.deepEqual(h.Log!.map(e => e.Output), [`o7`, `o8`, `o9`, `o10`, `o11`]);
});

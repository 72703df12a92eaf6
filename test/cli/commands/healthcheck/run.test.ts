// Health checks end to end: the --health-* flags and the image's HEALTHCHECK, the
// monitor's periodic `healthcheck run`, State.Health in inspect, ps's STATUS and
// --filter health=, wait --condition, and `healthcheck run` itself.
import test from 'ava';
import {SEEDED} from '../../../_helpers/registry';
import {pulledStore} from '../../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const {t} = pulledStore(ALPINE);
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

interface Health {Status: string, FailingStreak: number, Log: Array<{Start: string, End: string, ExitCode: number, Output: string}> | null}

async function inspect(name: string): Promise<any> {
  const r = await t([`inspect`, name]);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout)[0];
}

/** Polls State.Health until `ok` (a loaded machine: a generous deadline). */
async function healthUntil(name: string, ok: (h: Health) => boolean, ms = 60_000): Promise<Health> {
  const end = Date.now() + ms;
  let h: Health;
  do {
    h = (await inspect(name)).State.Health;
    if (ok(h)) return h;
    await sleep(250);
  } while (Date.now() < end);
  throw new Error(`health of ${name} never matched: ${JSON.stringify(h)}`);
}

const psNames = async (...args: Array<string>) => JSON.parse((await t([`ps`, `-a`, `--format`, `json`, ...args])).stdout).map((e: any) => e.Names[0]) as Array<string>;

test(`a passing check: starting, then healthy through the monitor's runs; ps shows and filters it`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `hc-ok`, `--health-cmd`, `echo ok`, `--health-interval`, `1s`, ALPINE, `sleep`, `300`])).code, 0);
  const first = await inspect(`hc-ok`);
  tt.deepEqual(first.Config.Healthcheck, {Test: [`CMD-SHELL`, `echo ok`], Interval: 1e9, Timeout: 30e9, StartPeriod: 0, Retries: 3});
  const h = await healthUntil(`hc-ok`, x => x.Status === `healthy`);
  tt.is(h.FailingStreak, 0);
  tt.is(h.Log![0]!.ExitCode, 0);
  tt.is(h.Log![0]!.Output, `ok\n`);
  tt.true(Date.parse(h.Log![0]!.End) >= Date.parse(h.Log![0]!.Start));
  const ps = JSON.parse((await t([`ps`, `--format`, `json`, `--filter`, `name=hc-ok`])).stdout);
  tt.regex(ps[0].Status, /^Up .* \(healthy\)$/);
  tt.true((await psNames(`--filter`, `health=healthy`)).includes(`hc-ok`));
  tt.false((await psNames(`--filter`, `health=unhealthy`)).includes(`hc-ok`));
  // By hand: nothing printed, exit 0.
  const r = await t([`healthcheck`, `run`, `hc-ok`]);
  tt.deepEqual([r.code, r.stdout], [0, ``], r.stderr);
  tt.is((await t([`wait`, `--condition`, `healthy`, `hc-ok`])).code, 0);
});

test(`a failing check turns unhealthy after the retries; the log keeps the last five with output and exit codes`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `hc-bad`, `--health-cmd`, `echo bad; exit 3`, `--health-retries`, `2`, `--health-interval`, `1s`, ALPINE, `sleep`, `300`])).code, 0);
  const h = await healthUntil(`hc-bad`, x => x.Status === `unhealthy`);
  tt.true(h.FailingStreak >= 2);
  tt.true(h.Log!.every(e => e.ExitCode === 1 && e.Output === `bad\n`));
  // By hand: `unhealthy` and exit 1, each run logged; never more than five kept.
  for (let i = 0; i < 5; i++) {
    const r = await t([`healthcheck`, `run`, `hc-bad`]);
    tt.deepEqual([r.code, r.stdout], [1, `unhealthy\n`], r.stderr);
  }
  const after = (await inspect(`hc-bad`)).State.Health as Health;
  tt.is(after.Log!.length, 5);
  tt.true(after.FailingStreak >= 7);
  tt.regex(JSON.parse((await t([`ps`, `--format`, `json`, `--filter`, `name=hc-bad`])).stdout)[0].Status, /\(unhealthy\)$/);
  // Other tests' containers come and go (hc-restart is briefly unhealthy too): only ours and a healthy one are checked.
  const unhealthy = await psNames(`--filter`, `health=unhealthy`);
  tt.true(unhealthy.includes(`hc-bad`));
  tt.false(unhealthy.includes(`hc-ok`));
  tt.is((await t([`wait`, `--condition`, `unhealthy`, `hc-bad`])).code, 0);
});

test(`the image's HEALTHCHECK applies (commit --change), flags override it, --no-healthcheck disables it`, async tt => {
  tt.is((await t([`create`, `--name`, `hc-base`, ALPINE, `true`])).code, 0);
  const c = await t([`commit`, `--change`, `HEALTHCHECK --interval=1s --retries=4 CMD echo from-image`, `hc-base`, `localhost/hc-image`]);
  tt.is(c.code, 0, c.stderr);
  tt.is((await t([`run`, `-d`, `--name`, `hc-img`, `localhost/hc-image`, `sleep`, `300`])).code, 0);
  tt.deepEqual((await inspect(`hc-img`)).Config.Healthcheck, {Test: [`CMD-SHELL`, `echo from-image`], Interval: 1e9, Timeout: 30e9, StartPeriod: 0, Retries: 4});
  const h = await healthUntil(`hc-img`, x => x.Status === `healthy`);
  tt.is(h.Log![0]!.Output, `from-image\n`);

  tt.is((await t([`create`, `--name`, `hc-img2`, `--health-retries`, `1`, `--health-cmd`, `["/bin/echo", "exec", "form"]`, `localhost/hc-image`, `true`])).code, 0);
  tt.deepEqual((await inspect(`hc-img2`)).Config.Healthcheck, {Test: [`CMD`, `/bin/echo`, `exec`, `form`], Interval: 1e9, Timeout: 30e9, StartPeriod: 0, Retries: 1});

  tt.is((await t([`run`, `-d`, `--name`, `hc-none`, `--no-healthcheck`, `localhost/hc-image`, `sleep`, `300`])).code, 0);
  const none = await inspect(`hc-none`);
  tt.is(none.Config.Healthcheck, undefined);
  tt.is(none.State.Health.Status, ``);
  tt.regex(JSON.parse((await t([`ps`, `--format`, `json`, `--filter`, `name=hc-none`])).stdout)[0].Status, /^Up [^(]*$/);
  tt.true((await psNames(`--filter`, `health=none`)).includes(`hc-none`));
  const r = await t([`healthcheck`, `run`, `hc-none`]);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /container [0-9a-f]{64} has no defined healthcheck/);
  tt.is((await t([`create`, `--name`, `hc-none2`, `--health-cmd`, `none`, `localhost/hc-image`, `true`])).code, 0);
  tt.is((await inspect(`hc-none2`)).Config.Healthcheck, undefined);
});

test(`healthcheck run: a container that is not running, or not there, is an error (125)`, async tt => {
  tt.is((await t([`create`, `--name`, `hc-created`, `--health-cmd`, `true`, ALPINE, `true`])).code, 0);
  const r = await t([`healthcheck`, `run`, `hc-created`]);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /container [0-9a-f]{64} is not running/);
  const n = await t([`healthcheck`, `run`, `hc-nope`]);
  tt.is(n.code, 125);
  tt.regex(n.stderr, /unable to look up hc-nope to perform a health check: no container with name or ID "hc-nope" found: no such container/);
});

test(`a check past its timeout is killed and logged with exit code -1`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `hc-slow`, `--health-cmd`, `echo slow; sleep 30`, `--health-timeout`, `1s`, `--health-interval`, `disable`, ALPINE, `sleep`, `300`])).code, 0);
  tt.deepEqual((await inspect(`hc-slow`)).State.Health, {Status: `starting`, FailingStreak: 0, Log: null}, `no check ran yet`);
  tt.regex(JSON.parse((await t([`ps`, `--format`, `json`, `--filter`, `name=hc-slow`])).stdout)[0].Status, /\(starting\)$/);
  tt.true((await psNames(`--filter`, `health=starting`)).includes(`hc-slow`));
  const t0 = Date.now();
  const r = await t([`healthcheck`, `run`, `hc-slow`]);
  tt.true(Date.now() - t0 < 15_000);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /healthcheck command exceeded timeout of 1s/);
  const h = (await inspect(`hc-slow`)).State.Health as Health;
  tt.is(h.Log!.length, 1);
  tt.is(h.Log![0]!.ExitCode, -1);
  tt.is(h.Log![0]!.Output, `slow\n`);
  tt.is(h.FailingStreak, 1);
});

test(`--health-on-failure kill: the container is killed once it turns unhealthy`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `hc-kill`, `--health-cmd`, `false`, `--health-retries`, `1`, `--health-interval`, `1s`, `--health-on-failure`, `kill`, ALPINE, `sleep`, `300`])).code, 0);
  const w = await t([`wait`, `hc-kill`]);
  tt.is(w.stdout.trim(), `137`);
  tt.is((await inspect(`hc-kill`)).Config.HealthcheckOnFailureAction, `kill`);
});

test(`--health-on-failure restart: the container is started again`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `hc-restart`, `--health-cmd`, `false`, `--health-retries`, `1`, `--health-interval`, `1s`, `--health-on-failure`, `restart`, ALPINE, `sleep`, `300`])).code, 0);
  const first = (await inspect(`hc-restart`)).State.StartedAt;
  let st: any;
  for (let end = Date.now() + 60_000; Date.now() < end; await sleep(250)) {
    st = (await inspect(`hc-restart`)).State;
    if (st.Running && st.StartedAt !== first) break;
  }
  tt.true(st.Running && st.StartedAt !== first, JSON.stringify(st));
  await t([`rm`, `-f`, `-t`, `0`, `hc-restart`]);
});

test(`a foreground run has no periodic checks, but healthcheck run works on it`, async tt => {
  const fg = t([`run`, `--name`, `hc-fg`, `--health-cmd`, `echo fg`, `--health-interval`, `1s`, ALPINE, `sleep`, `300`]);
  let running = false;
  for (let i = 0; i < 200 && !running; i++) {
    await sleep(50);
    running = (await t([`inspect`, `--format`, `{{.State.Status}}`, `hc-fg`])).stdout.trim() === `running`;
  }
  tt.true(running);
  await sleep(2000);
  tt.is((await inspect(`hc-fg`)).State.Health.Log, null, `no check ran by itself`);
  const r = await t([`healthcheck`, `run`, `hc-fg`]);
  tt.is(r.code, 0, r.stderr);
  tt.is((await inspect(`hc-fg`)).State.Health.Status, `healthy`);
  tt.is((await t([`kill`, `hc-fg`])).code, 0);
  tt.is((await fg).code, 137);
});

test(`bad --health-* flags are refused before anything is made`, async tt => {
  for (const [flags, msg] of [
    [[`--health-cmd`, `true`, `--health-retries`, `0`], /healthcheck-retries must be greater than 0/],
    [[`--health-cmd`, `true`, `--health-interval`, `often`], /invalid healthcheck-interval: time: invalid duration "often"/],
    [[`--health-cmd`, `true`, `--health-timeout`, `10ms`], /healthcheck-timeout must be at least 1 second/],
    [[`--health-cmd`, `true`, `--no-healthcheck`], /cannot specify both --no-healthcheck and other HealthCheck flags/],
    [[`--health-cmd`, `true`, `--health-on-failure`, `explode`], /invalid on-failure action "explode"/],
  ] as Array<[Array<string>, RegExp]>) {
    const r = await t([`create`, ...flags, ALPINE, `true`]);
    tt.is(r.code, 125, flags.join(` `));
    tt.regex(r.stderr, msg);
  }
});

// `tspod events` end to end, as the unprivileged test user: what the verbs write to the
// events log (podman 4.3.1's names and fields), the filters, --since/--until, --format,
// following the log, concurrent writers, a corrupt log, and --events-backend none.
import test from 'ava';
import {spawn} from 'node:child_process';
import {appendFileSync, closeSync, openSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';
import {TSPOD_BIN} from '../../_helpers/project';
import {tempStore} from '../../_helpers/runCli';
import type {TempStore} from '../../_helpers/runCli';
import type {TspodEvent} from '../../../src/engine/events/record';
import {flockWait, unflock} from '../../../src/sys/lock';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE);
const {t} = pulled;

/** What `events --format json` prints: the record as written. */
type Ev = TspodEvent;

async function events(args: Array<string>, run: (a: Array<string>) => ReturnType<typeof t> = t): Promise<Array<Ev>> {
  const r = await run([`events`, `--stream=false`, `--format`, `json`, ...args]);
  if (r.code !== 0) throw new Error(`events exited ${r.code}: ${r.stderr}`);
  return r.stdout.split(`\n`).filter(Boolean).map(l => JSON.parse(l) as Ev);
}

/** Polls until `ok` holds for the events `args` select (the monitor's cleanup writes on its own time). */
async function eventually(args: Array<string>, ok: (es: Array<Ev>) => boolean): Promise<Array<Ev>> {
  let es: Array<Ev> = [];
  for (let i = 0; i < 150; i++) {
    es = await events(args);
    if (ok(es)) return es;
    await new Promise(r => setTimeout(r, 100));
  }
  return es;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

test(`create, start, stop, rm: podman's events in order, with the name, image, labels and exit code`, async tt => {
  const c = await t([`create`, `--name`, `ev-seq`, `--label`, `team=blue`, ALPINE, `sleep`, `1000`]);
  tt.is(c.code, 0, c.stderr);
  const id = c.stdout.trim();
  tt.is((await t([`start`, `ev-seq`])).code, 0);
  tt.is((await t([`stop`, `-t`, `0`, `ev-seq`])).code, 0);
  tt.is((await t([`rm`, `ev-seq`])).code, 0);
  const es = await events([`--filter`, `container=ev-seq`]);
  // The monitor's `container cleanup` may come before or after rm (or find it gone): left out of the order.
  tt.deepEqual(es.map(e => e.Status).filter(s => s !== `cleanup`), [`create`, `init`, `start`, `died`, `remove`]);
  for (const e of es) {
    tt.is(e.Type, `container`);
    tt.is(e.ID, id);
    tt.is(e.Name, `ev-seq`);
    tt.is(e.Image, ALPINE);
    tt.deepEqual(e.Attributes, {team: `blue`});
    tt.regex(e.Time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
  }
  tt.is(es.find(e => e.Status === `died`)!.ContainerExitCode, 137);
  // podman omits a zero exit code, and the field on other events.
  tt.false(`ContainerExitCode` in es.find(e => e.Status === `start`)!);
  // In this command sequence's order (the monitor's cleanup runs beside them: its time may be any).
  const times = es.filter(e => e.Status !== `cleanup`).map(e => Date.parse(e.Time));
  tt.deepEqual(times, [...times].sort((a, b) => a - b));
});

test(`a detached container's exit is told when it happens (the monitor's cleanup): died with its code, then cleanup`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `ev-died`, ALPINE, `sh`, `-c`, `exit 7`])).code, 0);
  // Nothing else looks at the container: the event must come from its monitor.
  const es = await eventually([`--filter`, `container=ev-died`], es => es.some(e => e.Status === `cleanup`));
  tt.deepEqual(es.map(e => e.Status), [`create`, `init`, `start`, `died`, `cleanup`]);
  tt.is(es[3]!.ContainerExitCode, 7);
  // Recorded once, though ps and inspect now refresh it too.
  await t([`ps`, `-a`]);
  tt.is((await events([`--filter`, `container=ev-died`, `--filter`, `event=died`])).length, 1);
});

test(`a container that exits before its start is recorded (the store lock busy): died still comes, before cleanup`, async tt => {
  tt.is((await t([`create`, `--name`, `ev-race`, `--network`, `none`, ALPINE, `sh`, `-c`, `exit 5`])).code, 0);
  const dir = readdirSync(pulled.s.root).find(d => d.endsWith(`-containers`))!;
  const lock = join(pulled.s.root, dir, `containers.lock`);
  const fd = openSync(lock, `r+`);
  try {
    tt.true(await flockWait(fd, `exclusive`, lock, {timeoutMs: 30_000}));
    // The start spawns the monitor, then waits for the lock to record itself; the container
    // exits at once and its monitor's cleanup runs meanwhile, the record still "created".
    const start = t([`start`, `ev-race`]);
    await new Promise(res => setTimeout(res, 2000));
    unflock(fd);
    tt.is((await start).code, 0);
  } finally {
    closeSync(fd);
  }
  const es = await eventually([`--filter`, `container=ev-race`], es => es.some(e => e.Status === `cleanup`));
  tt.deepEqual(es.map(e => e.Status), [`create`, `init`, `start`, `died`, `cleanup`]);
  tt.is(es[3]!.ContainerExitCode, 5);
});

test(`a foreground run: create, init, start, attach, died (code), then remove with --rm or cleanup without`, async tt => {
  tt.is((await t([`run`, `--rm`, `--name`, `ev-fg-rm`, `--network`, `none`, ALPINE, `sh`, `-c`, `exit 3`])).code, 3);
  tt.is((await t([`run`, `--name`, `ev-fg`, `--network`, `none`, ALPINE, `true`])).code, 0);
  const rm = await events([`--filter`, `container=ev-fg-rm`]);
  tt.deepEqual(rm.map(e => e.Status), [`create`, `init`, `start`, `attach`, `died`, `remove`]);
  tt.is(rm[4]!.ContainerExitCode, 3);
  const kept = await events([`--filter`, `container=ev-fg`]);
  tt.deepEqual(kept.map(e => e.Status), [`create`, `init`, `start`, `attach`, `died`, `cleanup`]);
  tt.false(`ContainerExitCode` in kept[4]!);
});

test(`exec, rename, restart, kill: their events, each under the name the container had then`, async tt => {
  const r = await t([`run`, `-d`, `--name`, `ev-life`, ALPINE, `sleep`, `1000`]);
  tt.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  tt.is((await t([`exec`, `ev-life`, `true`])).code, 0);
  tt.is((await t([`exec`, `ev-life`, `sh`, `-c`, `exit 4`])).code, 4);
  tt.is((await t([`exec`, `ev-life`, `nosuchcmd`])).code, 127); // never started: no events (podman)
  tt.is((await t([`rename`, `ev-life`, `ev-life2`])).code, 0);
  tt.is((await t([`restart`, `-t`, `0`, `ev-life2`])).code, 0);
  tt.is((await t([`kill`, `ev-life2`])).code, 0);
  // container= by ID prefix finds them all; by name, only those under that name.
  const es = await eventually([`--filter`, `container=${id.slice(0, 12)}`], es => es.filter(e => e.Status === `cleanup`).length >= 2);
  const statuses = es.map(e => e.Status);
  // tspod becomes the helper for an exec (execve): the helper tells of its start and its end, with the code.
  tt.deepEqual(statuses.slice(0, 8), [`create`, `init`, `start`, `exec`, `exec_died`, `exec`, `exec_died`, `rename`], statuses.join(` `));
  tt.deepEqual(es.slice(0, 7).map(e => e.Name), Array(7).fill(`ev-life`));
  tt.deepEqual([`ContainerExitCode` in es[4]!, es[6]!.ContainerExitCode], [false, 4]);
  tt.deepEqual(es.slice(3, 7).map(e => [e.ID, e.Type, e.Attributes]), Array(4).fill([id, `container`, {}]));
  tt.true(es.slice(7).every(e => e.Name === `ev-life2`));
  const restart = statuses.indexOf(`restart`);
  tt.deepEqual(statuses.slice(restart - 2, restart + 3), [`died`, `cleanup`, `restart`, `init`, `start`], statuses.join(` `));
  tt.is(statuses.indexOf(`kill`), restart + 3);
  tt.is(es.filter(e => e.Status === `died`).at(-1)!.ContainerExitCode, 137);
  tt.false((await events([`--filter`, `container=ev-life2`])).some(e => e.Status === `create`));
});

test(`run and create of an image already here: a pull event still, under the name as given (podman 4)`, async tt => {
  tt.is((await t([`tag`, ALPINE, `ev-here:1`])).code, 0);
  tt.is((await t([`create`, `--name`, `ev-here`, `ev-here:1`, `true`])).code, 0);
  tt.is((await t([`run`, `--rm`, `--network`, `none`, `ev-here:1`, `true`])).code, 0);
  const pulls = (await events([`--filter`, `type=image`])).filter(e => e.Status === `pull` && e.Name === `ev-here:1`);
  tt.deepEqual(pulls.map(e => [e.ID, e.Attributes]), [[undefined, null], [undefined, null]]);
  tt.is((await t([`rm`, `ev-here`])).code, 0);
  tt.is((await t([`untag`, `ev-here:1`])).code, 0);
});

test(`image and volume events: pull, tag, untag, rmi; volume create, rm, prune`, async tt => {
  tt.is((await t([`tag`, ALPINE, `ev-img:1`])).code, 0);
  tt.is((await t([`untag`, `ev-img:1`, `ev-img:1`])).code, 0);
  tt.is((await t([`tag`, ALPINE, `ev-img:2`])).code, 0);
  tt.is((await t([`rmi`, `ev-img:2`])).code, 0, `only untags: the image has another name`);
  const imgs = await events([`--filter`, `type=image`]);
  tt.truthy(imgs.find(e => e.Status === `pull` && e.Name === ALPINE && e.Attributes === null && e.ID === undefined));
  const tag = imgs.find(e => e.Status === `tag` && e.Name === `ev-img:1`)!;
  tt.regex(tag.ID ?? ``, /^[0-9a-f]{64}$/);
  tt.truthy(imgs.find(e => e.Status === `untag` && e.Name === `localhost/ev-img:1` && e.ID === tag.ID));
  tt.truthy(imgs.find(e => e.Status === `untag` && e.Name === `localhost/ev-img:2`));
  // image= matches an image event's name or ID, and a container event's image.
  tt.deepEqual((await events([`--filter`, `image=ev-img:1`])).map(e => e.Status), [`tag`]);

  tt.is((await t([`volume`, `create`, `ev-vol1`])).code, 0);
  tt.is((await t([`volume`, `rm`, `ev-vol1`])).code, 0);
  const vols = await events([`--filter`, `volume=ev-vol1`]);
  tt.deepEqual(vols.map(e => [e.Type, e.Status, e.Name, e.Attributes]), [[`volume`, `create`, `ev-vol1`, null], [`volume`, `remove`, `ev-vol1`, null]]);
  const human = await t([`events`, `--stream=false`, `--filter`, `volume=ev-vol1`]);
  tt.regex(human.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC volume create ev-vol1\n/);
});

test(`filters: one key's values are alternatives, different keys must all match; label=; a bad filter is 125`, async tt => {
  tt.is((await t([`create`, `--name`, `ev-f1`, `--label`, `app=web`, `--label`, `tier=front`, ALPINE, `true`])).code, 0);
  tt.is((await t([`create`, `--name`, `ev-f2`, `--label`, `app=db`, ALPINE, `true`])).code, 0);
  tt.is((await t([`rm`, `ev-f1`, `ev-f2`])).code, 0);
  const both = await events([`--filter`, `container=ev-f1`, `--filter`, `container=ev-f2`, `--filter`, `event=create`]);
  tt.deepEqual(both.map(e => `${e.Name} ${e.Status}`), [`ev-f1 create`, `ev-f2 create`]);
  const status = await events([`--filter`, `container=ev-f1`, `--filter`, `status=remove`, `--filter`, `status=create`]);
  tt.deepEqual(status.map(e => e.Status), [`create`, `remove`]);
  tt.deepEqual((await events([`--filter`, `label=app=web`])).map(e => `${e.Name} ${e.Status}`), [`ev-f1 create`, `ev-f1 remove`]);
  tt.deepEqual((await events([`--filter`, `label=tier`, `--filter`, `event=remove`])).map(e => e.Name), [`ev-f1`]);
  tt.deepEqual(await events([`--filter`, `type=volume`, `--filter`, `container=ev-f1`]), []);
  const bad = await t([`events`, `--stream=false`, `--filter`, `colour=red`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /invalid filter "colour=red"/);
  tt.is((await t([`events`, `--stream=false`, `--filter`, `type=network`])).code, 125);
});

test(`--since and --until: Unix seconds, RFC 3339 and durations`, async tt => {
  tt.is((await t([`volume`, `create`, `ev-t1`])).code, 0);
  await sleep(1100);
  const between = Date.now() / 1000;
  await sleep(1100);
  tt.is((await t([`volume`, `create`, `ev-t2`])).code, 0);
  const names = (es: Array<Ev>) => es.filter(e => e.Name === `ev-t1` || e.Name === `ev-t2`).map(e => e.Name);
  tt.deepEqual(names(await events([`--since`, between.toFixed(3)])), [`ev-t2`]);
  tt.deepEqual(names(await events([`--until`, String(Math.floor(between))])), [`ev-t1`]);
  tt.deepEqual(names(await events([`--since`, new Date(between * 1000).toISOString()])), [`ev-t2`]);
  tt.deepEqual(names(await events([`--since`, `10m`])), [`ev-t1`, `ev-t2`]);
  // podman's util.ParseInputTime: a duration is before now for --since, after now for --until.
  tt.deepEqual(names(await events([`--until`, `10m`])), [`ev-t1`, `ev-t2`]);
  tt.deepEqual(names(await events([`--until`, `-10m`])), []);
  tt.deepEqual(names(await events([`--since`, `1h30m`, `--until`, `1m30s`])), [`ev-t1`, `ev-t2`]);
  // Streaming, --until 2s follows for two seconds, then exits.
  const started = Date.now();
  const streamed = await t([`events`, `--filter`, `volume=ev-t1`, `--format`, `{{.Name}}`, `--since`, `10m`, `--until`, `2s`]);
  const took = Date.now() - started;
  tt.deepEqual([streamed.code, streamed.stdout], [0, `ev-t1\n`], streamed.stderr);
  tt.true(took >= 1500 && took < 15_000, `followed until then (${took} ms)`);
  const bad = await t([`events`, `--stream=false`, `--since`, `yesterday`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /invalid time "yesterday"/);
});

test(`--format: json lines, Go templates with podman's fields, a bad template is 125; --no-trunc=false shortens IDs`, async tt => {
  tt.is((await t([`run`, `--rm`, `--name`, `ev-fmt`, `--network`, `none`, ALPINE, `sh`, `-c`, `exit 4`])).code, 4);
  const json = await t([`events`, `--stream=false`, `--filter`, `container=ev-fmt`, `--format`, `json`]);
  const lines = json.stdout.trim().split(`\n`);
  tt.is(lines.length, 6);
  const died = JSON.parse(lines[4]!);
  tt.deepEqual(Object.keys(died), [`ContainerExitCode`, `ID`, `Image`, `Name`, `Status`, `Time`, `Type`, `Attributes`]);
  tt.is((await t([`events`, `--stream=false`, `--filter`, `container=ev-fmt`, `--format`, `{{json .}}`])).stdout, json.stdout);
  const tpl = await t([`events`, `--stream=false`, `--filter`, `container=ev-fmt`, `--filter`, `event=died`, `--filter`, `event=start`,
    `--format`, `{{.Status}} {{.Name}} {{.ContainerExitCode}} {{.Type}} {{.Time}}`]);
  tt.is(tpl.code, 0, tpl.stderr);
  tt.regex(tpl.stdout, /^start ev-fmt 0 container \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC\ndied ev-fmt 4 container \S+ \S+ \+0000 UTC\n$/);
  const human = await t([`events`, `--stream=false`, `--filter`, `container=ev-fmt`, `--filter`, `event=create`]);
  tt.regex(human.stdout, new RegExp(`^\\S+ \\S+ \\+0000 UTC container create ${died.ID} \\(image=${ALPINE.replace(/[.]/g, `\\.`)}, name=ev-fmt\\)\n$`));
  const short = await t([`events`, `--stream=false`, `--no-trunc=false`, `--filter`, `container=ev-fmt`, `--filter`, `event=create`]);
  tt.regex(short.stdout, new RegExp(` container create ${died.ID.slice(0, 12)} \\(`));
  const bad = await t([`events`, `--stream=false`, `--format`, `{{.Colour}}`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /can't evaluate field Colour/);
});

/** `tspod events ARGS` running in the background, its output so far. */
function follow(s: TempStore, args: Array<string>, env?: Record<string, string>) {
  const child = spawn(process.execPath, [TSPOD_BIN, `--root`, s.root, `--runroot`, s.runroot, `events`, ...args], {
    env: {...process.env, ...pulled.env, ...env}, stdio: [`ignore`, `pipe`, `pipe`],
  });
  let out = ``, err = ``;
  child.stdout.on(`data`, d => { out += d; });
  child.stderr.on(`data`, d => { err += d; });
  const exited = new Promise<{code: number | null, signal: string | null}>(resolve => child.on(`close`, (code, signal) => resolve({code, signal})));
  return {
    child, exited,
    get out() { return out; },
    get err() { return err; },
    async waitFor(re: RegExp, ms = 20_000): Promise<boolean> {
      const end = Date.now() + ms;
      while (!re.test(out) && Date.now() < end) await sleep(50);
      return re.test(out);
    },
  };
}

test(`--stream follows the log: a new event shows up, SIGTERM (and SIGINT) end it with 0`, async tt => {
  const f = follow(pulled.s, [`--filter`, `type=volume`, `--format`, `{{.Status}} {{.Name}}`]);
  // It prints what is there, then waits: a volume created now must appear.
  await sleep(500);
  tt.is((await t([`volume`, `create`, `ev-follow`])).code, 0);
  tt.true(await f.waitFor(/create ev-follow\n/), `not followed: ${f.out} ${f.err}`);
  f.child.kill(`SIGTERM`);
  const end = await Promise.race([f.exited, sleep(5000).then(() => undefined)]);
  tt.deepEqual(end, {code: 0, signal: null}, f.err);

  const g = follow(pulled.s, [`--filter`, `volume=ev-follow`]);
  tt.true(await g.waitFor(/volume create ev-follow\n/));
  g.child.kill(`SIGINT`);
  tt.deepEqual(await Promise.race([g.exited, sleep(5000).then(() => undefined)]), {code: 0, signal: null}, g.err);
});

test(`rotation: past events_logfile_max_size the log moves to events.log.1; --stream=false reads both, a follower notices`, async tt => {
  const s = tempStore();
  try {
    const conf = join(s.runroot, `..`, `containers.conf`);
    writeFileSync(conf, `[engine]\nevents_logfile_max_size = 400\n`);
    const env = {CONTAINERS_CONF: conf};
    const f = follow(s, [`--format`, `{{.Status}} {{.Name}}`], env);
    await sleep(500);
    for (let i = 0; i < 5; i++) tt.is((await s.run([`volume`, `create`, `ev-rot-${i}`], {env})).code, 0);
    const log = join(s.runroot, `events`, `events.log`);
    tt.true(statSync(`${log}.1`).size > 0, `never rotated`);
    tt.true(statSync(log).size <= 400 + 200);
    tt.true(await f.waitFor(/create ev-rot-4\n/), f.out);
    tt.deepEqual(f.out.trim().split(`\n`), [0, 1, 2, 3, 4].map(i => `create ev-rot-${i}`));
    f.child.kill(`SIGTERM`);
    await f.exited;
    // The oldest part goes at the next rotation; what is there reads in order.
    const names = (await events([], a => s.run(a, {env}))).map(e => e.Name);
    tt.true(names.length >= 2);
    tt.deepEqual(names, [...names].sort());
    tt.is(names[names.length - 1], `ev-rot-4`);
  } finally {
    s.cleanup();
  }
});

test(`concurrent writers leave whole lines only`, async tt => {
  // Eight creates at once, each event line ~16 KB (the label is in every one).
  const big = `x`.repeat(16_000);
  const runs = [];
  for (let i = 0; i < 8; i++) runs.push(t([`create`, `--name`, `ev-cc-${i}`, `--label`, `ev-cc=${big}`, ALPINE, `true`]));
  for (const r of await Promise.all(runs)) tt.is(r.code, 0, r.stderr);
  const {readFileSync} = await import(`node:fs`);
  // Every line of the whole log (other tests write to it too) is one JSON event.
  const lines = readFileSync(join(pulled.s.runroot, `events`, `events.log`), `utf8`).split(`\n`);
  tt.is(lines.pop(), ``);
  for (const l of lines) tt.notThrows(() => JSON.parse(l), l.slice(0, 80));
  const mine = await events([`--filter`, `label=ev-cc`]);
  tt.is(mine.length, 8);
  for (const e of mine) tt.is(e.Attributes![`ev-cc`], big);
  tt.is((await t([`rm`, ...[0, 1, 2, 3, 4, 5, 6, 7].map(i => `ev-cc-${i}`)])).code, 0);
});

test(`a corrupt or torn line in the log is skipped, not fatal`, async tt => {
  const s = tempStore();
  try {
    tt.is((await s.run([`volume`, `create`, `ev-before`])).code, 0);
    const log = join(s.runroot, `events`, `events.log`);
    // A line with a bad time, one that is not JSON, and a torn last line (a tspod killed mid-write).
    appendFileSync(log, `{"Status":"create","Type":"volume","Time":"not a time"}\nthis is not json\n{"Name":"torn","Sta`);
    const torn = await s.run([`events`, `--stream=false`, `--format`, `{{.Name}}`]);
    tt.is(torn.code, 0, torn.stderr);
    tt.is(torn.stdout, `ev-before\n`);
    // The next event's line begins after the torn one: that one line is lost, later ones read.
    tt.is((await s.run([`volume`, `create`, `ev-lost`])).code, 0);
    tt.is((await s.run([`volume`, `create`, `ev-after`])).code, 0);
    const r = await s.run([`events`, `--stream=false`, `--format`, `{{.Name}}`]);
    tt.is(r.code, 0, r.stderr);
    tt.is(r.stdout, `ev-before\nev-after\n`);
  } finally {
    s.cleanup();
  }
});

test(`--events-backend none (or events_logger = "none") writes nothing; journald is refused`, async tt => {
  const s = tempStore();
  try {
    const log = join(s.runroot, `events`, `events.log`);
    tt.is((await s.run([`--events-backend`, `none`, `volume`, `create`, `ev-none`])).code, 0);
    tt.is((await s.run([`volume`, `rm`, `--events-backend`, `none`, `ev-none`])).code, 0);
    tt.throws(() => statSync(log), {code: `ENOENT`});
    const conf = join(s.runroot, `..`, `containers.conf`);
    writeFileSync(conf, `[engine]\nevents_logger = "none"\n`);
    tt.is((await s.run([`volume`, `create`, `ev-none2`], {env: {CONTAINERS_CONF: conf}})).code, 0);
    tt.throws(() => statSync(log), {code: `ENOENT`});
    tt.is((await s.run([`volume`, `rm`, `ev-none2`])).code, 0);
    tt.is(statSync(log).size > 0, true, `the file backend is the default`);
    const j = await s.run([`--events-backend`, `journald`, `events`, `--stream=false`]);
    tt.is(j.code, 125);
    tt.regex(j.stderr, /journald events backend is not supported/);
  } finally {
    s.cleanup();
  }
});

test(`pod events: create, start, stop, kill, remove, as podman's (Type pod, the pod's ID and name)`, async tt => {
  const c = await t([`pod`, `create`, `--name`, `ev-pod`, `--network`, `none`]);
  tt.is(c.code, 0, c.stderr);
  const id = c.stdout.trim();
  for (const args of [[`pod`, `start`, `ev-pod`], [`pod`, `kill`, `ev-pod`], [`pod`, `stop`, `-t`, `0`, `ev-pod`], [`pod`, `rm`, `ev-pod`]])
    tt.is((await t(args)).code, 0, args.join(` `));
  const es = await events([`--filter`, `type=pod`]);
  tt.deepEqual(es.map(e => e.Status), [`create`, `start`, `kill`, `stop`, `remove`]);
  for (const e of es) tt.deepEqual({ID: e.ID, Name: e.Name, Attributes: e.Attributes}, {ID: id, Name: `ev-pod`, Attributes: null});
  tt.is((await events([`--filter`, `pod=${id.slice(0, 12)}`])).length, 5);
  tt.is((await events([`--filter`, `pod=ev-pod`, `--filter`, `event=create`])).length, 1);
});

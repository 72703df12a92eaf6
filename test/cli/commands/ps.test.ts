// `ps` end to end (flags, filters, podman's JSON fields) and the lifecycle under
// concurrency: twenty containers started at once, stop and rm racing, ps while
// containers come and go; nothing lost, no lock left held.
import test from 'ava';
import {userInfo} from 'node:os';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE);
const {t} = pulled;

test.serial(`ps, ps -a, -q, --no-trunc, --filter, --format json fields`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `pa`, ALPINE, `sleep`, `1000`])).code, 0);
  tt.is((await t([`create`, `--name`, `pb`, ALPINE, `true`])).code, 0);
  const table = await t([`ps`]);
  tt.regex(table.stdout.split(`\n`)[0]!, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
  tt.regex(table.stdout, /\bpa\n?/);
  tt.notRegex(table.stdout, /\bpb\b/);
  tt.regex(table.stdout, /Up (Less than a second|\d+ seconds?)/);
  tt.regex((await t([`ps`, `-a`])).stdout, /Created\s+pb/);
  const q = (await t([`ps`, `-aq`])).stdout.trim().split(`\n`);
  tt.is(q.length, 2);
  for (const id of q) tt.regex(id, /^[0-9a-f]{12}$/);
  for (const id of (await t([`ps`, `-aq`, `--no-trunc`])).stdout.trim().split(`\n`)) tt.regex(id, /^[0-9a-f]{64}$/);
  tt.deepEqual((await t([`ps`, `-a`, `--filter`, `status=created`, `--format`, `{{.Names}}`])).stdout.trim(), `pb`);
  tt.deepEqual((await t([`ps`, `-a`, `--filter`, `name=^pa$`, `--format`, `{{.Names}} {{.State}}`])).stdout.trim(), `pa running`);
  tt.is((await t([`ps`, `-a`, `--filter`, `ancestor=${ALPINE}`, `-q`])).stdout.trim().split(`\n`).length, 2);
  tt.is((await t([`ps`, `-a`, `--filter`, `ancestor=nope`, `-q`])).stdout.trim(), ``);
  const json = JSON.parse((await t([`ps`, `-a`, `--format`, `json`])).stdout);
  const pa = json.find((c: any) => c.Names[0] === `pa`);
  for (const k of [`AutoRemove`, `Command`, `CreatedAt`, `Exited`, `ExitedAt`, `ExitCode`, `Id`, `Image`, `ImageID`, `IsInfra`, `Labels`, `Mounts`, `Names`, `Namespaces`, `Networks`, `Pid`, `Pod`, `PodName`, `Ports`, `Size`, `StartedAt`, `State`, `Status`, `Created`])
    tt.true(k in pa, k);
  tt.deepEqual(pa.Command, [`sleep`, `1000`]);
  tt.is(pa.State, `running`);
  tt.is(pa.Image, ALPINE);
  tt.true(pa.Pid > 0);
  tt.is(typeof pa.Created, `number`);
  const bad = await t([`ps`, `--filter`, `colour=red`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /^Error: colour is an invalid filter/);
  await t([`rm`, `-f`, `-t`, `0`, `pa`, `pb`]);
  // Refused with no container to test it on, too.
  const none = await t([`ps`, `-a`, `--filter`, `colour=red`]);
  tt.is(none.code, 125, none.stdout);
});

test.serial(`ps shows the command and bind mounts from the record, and from config.json for a record written before it kept them`, async tt => {
  tt.is((await t([`create`, `--name`, `pm`, `-v`, `${pulled.dir}:/mnt/host:ro`, ALPINE, `echo`, `hi there`])).code, 0);
  tt.teardown(() => t([`rm`, `-f`, `-t`, `0`, `pm`]).then(() => undefined));
  // CreatedAt is relative ("1 second ago"): a slow machine may cross a second between the two.
  const shown = async () => {
    const {CreatedAt: _relative, ...rest} = JSON.parse((await t([`ps`, `-a`, `--format`, `json`, `--filter`, `name=^pm$`])).stdout)[0];
    return rest;
  };
  const before = await shown();
  tt.deepEqual([before.Command, before.Mounts], [[`echo`, `hi there`], [`/mnt/host`]]);
  // An older record: no specSummary in its metadata (the index is plain JSON, written whole).
  const index = join(pulled.s.root, `overlay-containers/containers.json`);
  const records = JSON.parse(readFileSync(index, `utf8`));
  const rec = records.find((r: any) => r.names.includes(`pm`));
  tt.truthy(rec.metadata.specSummary);
  delete rec.metadata.specSummary;
  writeFileSync(index, JSON.stringify(records));
  tt.deepEqual(await shown(), before);
  await t([`rm`, `pm`]);
});

test.serial(`create --label and run -l: inspect Config.Labels, ps --filter label=`, async tt => {
  tt.is((await t([`create`, `--name`, `la`, `--label`, `tier=web`, `--label`, `url=http://x/?a=b`, `-l`, `flag`, ALPINE, `true`])).code, 0);
  tt.is((await t([`run`, `-d`, `--name`, `lb`, `-l`, `tier=db`, ALPINE, `sleep`, `1000`])).code, 0);
  tt.is((await t([`create`, `--name`, `lc`, ALPINE, `true`])).code, 0);
  tt.deepEqual(JSON.parse((await t([`inspect`, `--format`, `{{json .Config.Labels}}`, `la`])).stdout), {tier: `web`, url: `http://x/?a=b`, flag: ``});
  tt.is((await t([`container`, `inspect`, `--format`, `{{.Config.Labels.tier}}`, `lb`])).stdout.trim(), `db`);
  const names = async (f: string) => (await t([`ps`, `-a`, `--filter`, f, `--format`, `{{.Names}}`])).stdout.trim().split(`\n`).filter(Boolean).sort();
  tt.deepEqual(await names(`label=tier=web`), [`la`]);
  tt.deepEqual(await names(`label=tier`), [`la`, `lb`]);
  tt.deepEqual(await names(`label=url=http://x/?a=b`), [`la`]);
  tt.deepEqual(await names(`label=flag`), [`la`]);
  tt.deepEqual(await names(`label=tier=nope`), []);
  // podman's other keys: created before/since another container, a volume, the network mode.
  const mine = (xs: Array<string>) => xs.filter(n => [`la`, `lb`, `lc`].includes(n));
  tt.deepEqual(mine(await names(`before=lb`)), [`la`]);
  tt.deepEqual(mine(await names(`since=lb`)), [`lc`]);
  tt.deepEqual(mine(await names(`until=1h`)), []);
  tt.deepEqual(mine(await names(`until=${Math.floor(Date.now() / 1000) + 60}`)), [`la`, `lb`, `lc`]);
  tt.is((await t([`ps`, `-a`, `--filter`, `before=nope`])).code, 125);
  tt.deepEqual(JSON.parse((await t([`ps`, `--format`, `json`, `--filter`, `label=tier=db`])).stdout).map((c: any) => c.Labels), [{tier: `db`}]);
  const bad = await t([`create`, `--label`, `=v`, ALPINE, `true`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /invalid label "=v"/);
  await t([`rm`, `-f`, `-t`, `0`, `la`, `lb`, `lc`]);
});

test.serial(`twenty containers started at once, ps while they come and go, stop and rm racing`, async tt => {
  const names = Array.from({length: 20}, (_, i) => `c${i}`);
  const results = await Promise.all(names.map(n => t([`run`, `-d`, `--name`, n, ALPINE, `sleep`, `1000`])));
  for (const r of results) tt.is(r.code, 0, r.stderr);
  const psDuring = Promise.all(Array.from({length: 5}, () => t([`ps`, `-a`, `--format`, `json`])));
  const running = JSON.parse((await t([`ps`, `--format`, `json`])).stdout);
  tt.is(running.length, 20);
  // stop and rm -f of the same containers at the same time.
  const race = await Promise.all(names.flatMap(n => [t([`stop`, `-t`, `0`, n]), t([`rm`, `-f`, `-t`, `0`, n])]));
  for (const r of race.filter((_, i) => i % 2 === 1)) tt.is(r.code, 0, r.stderr);
  for (const r of race.filter((_, i) => i % 2 === 0))
    tt.true(r.code === 0 || /no container with name or ID/.test(r.stderr), r.stderr);
  for (const r of await psDuring) {
    tt.is(r.code, 0, r.stderr);
    JSON.parse(r.stdout);
  }
  tt.is((await t([`ps`, `-aq`])).stdout.trim(), ``);
  // No lock left held: every verb still answers at once.
  const start = Date.now();
  tt.is((await t([`run`, `-d`, `--name`, `after`, ALPINE, `true`])).code, 0);
  tt.is((await t([`rm`, `-f`, `-t`, `0`, `after`])).code, 0);
  tt.true(Date.now() - start < 10_000);
});

test.serial(`container prune removes only non-running containers`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `keep`, ALPINE, `sleep`, `1000`])).code, 0);
  tt.is((await t([`create`, `--name`, `gone1`, ALPINE, `true`])).code, 0);
  tt.is((await t([`run`, `-d`, `--name`, `gone2`, ALPINE, `true`])).code, 0);
  await t([`wait`, `gone2`]);
  // Without -f it asks, as podman's: no answer (EOF) or `n` removes nothing.
  const asked = await t([`container`, `prune`], `n\n`);
  tt.is(asked.code, 0);
  tt.regex(asked.stdout, /^WARNING! This will remove all non running containers\.\nAre you sure you want to continue\? \[y\/N\] $/);
  tt.is((await t([`container`, `exists`, `gone1`])).code, 0);
  const r = await t([`container`, `prune`, `-f`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout.trim().split(`\n`).length, 2);
  tt.deepEqual((await t([`ps`, `-a`, `--format`, `{{.Names}}`])).stdout.trim(), `keep`);
  await t([`rm`, `-f`, `-t`, `0`, `keep`]);
});

test.serial(`rename, top, container exists`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `old`, ALPINE, `sleep`, `1000`])).code, 0);
  tt.is((await t([`rename`, `old`, `new`])).code, 0);
  tt.is((await t([`container`, `exists`, `old`])).code, 1);
  tt.is((await t([`container`, `exists`, `new`])).code, 0);
  tt.is((await t([`inspect`, `--format`, `{{.Name}}`, `new`])).stdout.trim(), `new`);
  tt.is((await t([`run`, `-d`, `--name`, `other`, ALPINE, `true`])).code, 0);
  const clash = await t([`rename`, `new`, `other`]);
  tt.is(clash.code, 125);
  tt.regex(clash.stderr, /already in use/);
  const top = await t([`top`, `new`]);
  tt.is(top.code, 0, top.stderr);
  tt.regex(top.stdout, /^USER\s+PID\s+PPID\s+%CPU\s+ELAPSED\s+TTY\s+TIME\s+COMMAND\n/);
  tt.regex(top.stdout, /root\s+1\s+0\s+.*sleep 1000/);
  // ELAPSED and TIME as podman's (Go durations): `3.122673883s`, `950.1ms`, `0s`.
  const row = top.stdout.split(`\n`)[1]!.split(/\s+/);
  for (const d of [row[4]!, row[6]!]) tt.regex(d, /^((\d+h)?(\d+m)?\d+(\.\d+)?s|\d+(\.\d+)?(ms|µs|ns))$/, top.stdout);
  tt.regex((await t([`top`, `new`, `pid`, `args`])).stdout, /^PID\s+COMMAND\n1\s+sleep 1000/);
  const more = (await t([`top`, `new`, `pid`, `state`, `hpid`, `huser`])).stdout.split(`\n`);
  tt.regex(more[0]!, /^PID\s+STATE\s+HPID\s+HUSER$/);
  const pid = (await t([`inspect`, `--format`, `{{.State.Pid}}`, `new`])).stdout.trim();
  tt.regex(more[1]!, new RegExp(`^1\\s+S\\s+${pid}\\s+${userInfo().username}$`));
  // ps(1) options, as podman: they go to ps in the container, its output printed as it is.
  const ps = await t([`top`, `new`, `-o`, `pid,comm`]);
  tt.is(ps.code, 0, ps.stderr);
  tt.regex(ps.stdout, /^PID\s+COMMAND\n\s+1 sleep\n\s+\d+ ps\n$/);
  const bad = await t([`top`, `new`, `--no-such-option`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /^Error: ps --no-such-option in the container failed \(exit 1\): ps: unrecognized option/);
  tt.regex((await t([`top`, `--help`])).stdout, /Display the running processes of a container/);
  await t([`rm`, `-f`, `-t`, `0`, `new`, `other`]);
});

test(`ps --filter volume= and network=`, async tt => {
  tt.is((await t([`create`, `--name`, `fv1`, `-v`, `psvol:/x`, `--network`, `none`, ALPINE, `true`])).code, 0);
  tt.is((await t([`create`, `--name`, `fv2`, `--network`, `host`, ALPINE, `true`])).code, 0);
  const names = async (f: string) => (await t([`ps`, `-a`, `--filter`, f, `--format`, `{{.Names}}`])).stdout.trim().split(`\n`).filter(n => n.startsWith(`fv`)).sort();
  tt.deepEqual(await names(`volume=psvol`), [`fv1`]);
  tt.deepEqual(await names(`volume=/x`), [`fv1`]);
  tt.deepEqual(await names(`network=host`), [`fv2`]);
  tt.deepEqual(await names(`network=none`), [`fv1`]);
  await t([`rm`, `fv1`, `fv2`]);
});

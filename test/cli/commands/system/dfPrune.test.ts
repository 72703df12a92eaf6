// `system df` counts images, containers (their writable layers) and volumes, active and
// reclaimable; `system prune` removes what is unused (asking first), volumes with --volumes.
import test from 'ava';
import {pulledStore} from '../../../_helpers/pulledStore';
import {SEEDED} from '../../../_helpers/registry';

const ALPINE = SEEDED.alpine;
const fx = pulledStore(ALPINE);
const t = fx.t;

interface DfRow {Type: string, Total: number, Active: number, RawSize: number, RawReclaimable: number}
const df = async () => Object.fromEntries((await fx.s.json([`system`, `df`, `--format`, `json`], {env: fx.env}) as Array<DfRow>).map(r => [r.Type, r]));

test.serial(`df: one image, a stopped container with a 50 kB layer, a used volume; prune asks, then removes them`, async tt => {
  tt.is((await t([`volume`, `create`, `data`])).code, 0);
  const run = await t([`run`, `--name`, `stopped`, `-v`, `data:/data`, `--network`, `none`, ALPINE, `sh`, `-c`, `head -c 100000 /dev/zero > /data/z; head -c 50000 /dev/zero > /big`]);
  tt.is(run.code, 0, run.stderr);
  let rows = await df();
  tt.like(rows[`Images`], {Total: 1, Active: 1, RawReclaimable: 0});
  tt.true(rows[`Images`]!.RawSize > 1_000_000);
  tt.like(rows[`Containers`], {Total: 1, Active: 0});
  tt.true(rows[`Containers`]!.RawSize >= 50_000 && rows[`Containers`]!.RawSize < 200_000, String(rows[`Containers`]!.RawSize));
  tt.is(rows[`Containers`]!.RawReclaimable, rows[`Containers`]!.RawSize);
  tt.like(rows[`Local Volumes`], {Total: 1, Active: 1, RawReclaimable: 0});
  tt.true(rows[`Local Volumes`]!.RawSize >= 100_000);
  const text = await t([`system`, `df`]);
  tt.regex(text.stdout, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+1\s+1\s+\d+(\.\d+)?MB\s/);
  // podman's go-units sizes: `0B` where nothing is reclaimable; --format takes a template.
  tt.regex(text.stdout, /\nLocal Volumes\s+1\s+1\s+\d+(\.\d+)?kB\s+0B \(0%\)\n/);
  const tpl = await t([`system`, `df`, `--format`, `{{.Type}}|{{.Total}}|{{.Active}}`]);
  tt.is(tpl.stdout, `Images|1|1\nContainers|1|0\nLocal Volumes|1|1\n`);
  tt.regex((await t([`system`, `df`, `--format`, `table {{.Type}} {{.Reclaimable}}`])).stdout, /^TYPE\s+RECLAIMABLE\nImages\s+/);

  // No answer (stdin at EOF) is no.
  const asked = await t([`system`, `prune`], ``);
  tt.is(asked.code, 0, asked.stderr);
  tt.regex(asked.stdout, /WARNING! This command removes:\n\t- all stopped containers\n/);
  tt.is((await fx.s.json([`ps`, `-a`, `--format`, `json`], {env: fx.env})).length, 1);

  const pruned = await t([`system`, `prune`], `y\n`);
  tt.is(pruned.code, 0, pruned.stderr);
  tt.regex(pruned.stdout, /Deleted Containers\n[0-9a-f]{64}\n/);
  tt.notRegex(pruned.stdout, /Deleted Volumes/);
  rows = await df();
  tt.like(rows[`Containers`], {Total: 0});
  tt.like(rows[`Local Volumes`], {Total: 1, Active: 0});
  tt.like(rows[`Images`], {Total: 1, Active: 0}, `the named image is not dangling: kept without -a`);

  const all = await t([`system`, `prune`, `-a`, `--volumes`, `-f`]);
  tt.is(all.code, 0, all.stderr);
  tt.regex(all.stdout, /Deleted Volumes\ndata\n/);
  tt.regex(all.stdout, /Deleted Images\n[0-9a-f]{64}/);
  rows = await df();
  for (const type of [`Images`, `Containers`, `Local Volumes`]) tt.like(rows[type], {Total: 0, RawSize: 0}, type);
});

test.serial(`prune --filter: label=, label!= and until= choose what container, volume and system prune remove`, async tt => {
  tt.is((await t([`create`, `--name`, `pf-keep`, `--label`, `keep=1`, ALPINE, `true`])).code, 0);
  tt.is((await t([`create`, `--name`, `pf-go`, ALPINE, `true`])).code, 0);
  const byLabel = await t([`container`, `prune`, `-f`, `--filter`, `label!=keep`]);
  tt.is(byLabel.code, 0, byLabel.stderr);
  const names = async () => (await t([`ps`, `-a`, `--format`, `{{.Names}}`])).stdout.trim().split(`\n`).filter(Boolean);
  tt.true((await names()).includes(`pf-keep`));
  tt.false((await names()).includes(`pf-go`));
  // Created just now: not before an hour ago.
  tt.is((await t([`container`, `prune`, `-f`, `--filter`, `until=1h`])).stdout, ``);
  tt.true((await names()).includes(`pf-keep`));
  tt.is((await t([`volume`, `create`, `--label`, `tier=a`, `pf-va`])).code, 0);
  tt.is((await t([`volume`, `create`, `pf-vb`])).code, 0);
  tt.is((await t([`volume`, `prune`, `-f`, `--filter`, `label=tier=a`])).stdout, `pf-va\n`);
  const bad = await t([`system`, `prune`, `-f`, `--filter`, `colour=red`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /colour is an invalid filter/);
  tt.is((await t([`container`, `prune`, `-f`, `--filter`, `label=keep=1`])).code, 0);
  tt.false((await names()).includes(`pf-keep`));
  await t([`volume`, `rm`, `pf-vb`]);
});

test.serial(`df -v: podman's three sections, one row per image name, container and volume; a committed image shares its base's layer`, async tt => {
  tt.is((await t([`run`, `--name`, `dfv`, `-v`, `dfvol:/d`, `--network`, `none`, ALPINE, `sh`, `-c`, `head -c 30000 /dev/zero > /d/z; head -c 20000 /dev/zero > /mine`])).code, 0);
  tt.is((await t([`commit`, `-q`, `dfv`, `dfv-child`])).code, 0);
  const v = await t([`system`, `df`, `-v`]);
  tt.is(v.code, 0, v.stderr);
  const [images, containers, volumes] = v.stdout.trimEnd().split(/\n\n(?=\w[\w ]+ space usage:\n)/);
  const rows = (section: string) => section.split(`\n`).slice(3).map(l => l.split(/ {2,}/));
  tt.regex(images!, /^Images space usage:\n\nREPOSITORY {2,}TAG {2,}IMAGE ID {2,}CREATED {2,}SIZE {2,}SHARED SIZE {2,}UNIQUE SIZE {2,}CONTAINERS\n/);
  const [repo, tag] = [ALPINE.slice(0, ALPINE.lastIndexOf(`:`)), ALPINE.slice(ALPINE.lastIndexOf(`:`) + 1)];
  const base = rows(images!).find(r => r[0] === repo && r[1] === tag);
  const child = rows(images!).find(r => r[0] === `localhost/dfv-child`);
  tt.truthy(base, images);
  tt.truthy(child, images);
  tt.regex(base![2]!, /^[0-9a-f]{12}$/);
  tt.regex(base![5]!, /^8\.\d+MB$/, `alpine's layer is shared (its config and manifest are its own: UNIQUE SIZE)`);
  tt.regex(base![6]!, /^\d+(\.\d+)?kB$/);
  tt.true(Number(base![7]) >= 1, `a container uses it`);
  tt.is(child![5], base![5], `the child shares alpine's layer`);
  tt.not(child![6], `0B`, `and has one of its own`);
  tt.regex(containers!, /^Containers space usage:\n\nCONTAINER ID {2,}IMAGE {2,}COMMAND {2,}LOCAL VOLUMES {2,}SIZE {2,}CREATED {2,}STATUS {2,}NAMES\n/);
  const ctr = rows(containers!).find(r => r[r.length - 1] === `dfv`);
  tt.truthy(ctr, containers);
  tt.deepEqual([ctr![1], ctr![3], ctr![6]], [base![2], `1`, `exited`]);
  tt.regex(ctr![4]!, /^\d+(\.\d+)?kB$/);
  tt.regex(volumes!, /^Local Volumes space usage:\n\nVOLUME NAME {2,}LINKS {2,}SIZE\ndfvol {2,}1 {2,}\d+(\.\d+)?kB$/);
  tt.is((await t([`rm`, `dfv`])).code, 0);
  tt.is((await t([`rmi`, `dfv-child`])).code, 0);
  tt.is((await t([`volume`, `rm`, `dfvol`])).code, 0);
});

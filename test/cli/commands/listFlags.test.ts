// ps and images: --sort and --noheading, as podman's.
import test from 'ava';
import {readlinkSync} from 'node:fs';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';
import {procAlive} from '../../_helpers/procAlive';

const pulled = pulledStore([SEEDED.alpine, SEEDED.busyboxMusl]);
const {t} = pulled;

test(`ps --sort names and --noheading; an unknown key is refused`, async tt => {
  for (const name of [`zeta`, `alpha`, `mid`]) tt.is((await t([`create`, `--name`, name, SEEDED.alpine, `true`])).code, 0);
  const mine = [`--filter`, `name=^(alpha|mid|zeta)$`]; // other tests of this file make containers too
  const names = await t([`ps`, `-a`, ...mine, `--sort`, `names`, `--noheading`, `--format`, `table {{.Names}}`]);
  tt.is(names.stdout, `alpha\nmid\nzeta\n`);
  const byCreated = await t([`ps`, `-a`, ...mine, `--format`, `{{.Names}}`]);
  tt.is(byCreated.stdout, `zeta\nalpha\nmid\n`, `oldest first by default, as podman's`);
  const plain = await t([`ps`, `-a`, ...mine, `--noheading`, `--sync`]);
  tt.is(plain.stdout.trim().split(`\n`).length, 3);
  tt.notRegex(plain.stdout, /CONTAINER ID/);
  tt.is((await t([`ps`, `--sort`, `colour`])).code, 125);
});

test(`images --sort repository, size and tag`, async tt => {
  const repos = (await t([`images`, `--sort`, `repository`, `--format`, `{{.Repository}}`])).stdout.trim().split(`\n`);
  tt.deepEqual(repos, [...repos].sort());
  tt.regex(repos[0]!, /alpine$/);
  const sizes = (await t([`images`, `--sort`, `size`, `--format`, `{{.Repository}}`])).stdout.trim().split(`\n`);
  tt.regex(sizes[0]!, /busybox$/, `the smaller image first`);
  const r = await t([`images`, `--sort`, `nonsense`]);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /invalid option for --sort "nonsense"/);
});

test(`volume ls --filter name, label, driver and dangling; --noheading`, async tt => {
  tt.is((await t([`volume`, `create`, `--label`, `app=web`, `vf-web`])).code, 0);
  tt.is((await t([`volume`, `create`, `vf-spare`])).code, 0);
  tt.is((await t([`create`, `--name`, `vf-user`, `-v`, `vf-web:/data`, SEEDED.alpine, `true`])).code, 0);
  const names = async (...f: Array<string>) => (await t([`volume`, `ls`, `-q`, ...f.flatMap(x => [`--filter`, x])])).stdout.trim().split(`\n`).filter(n => n.startsWith(`vf-`)).sort();
  tt.deepEqual(await names(`name=vf-`), [`vf-spare`, `vf-web`]);
  tt.deepEqual(await names(`label=app=web`), [`vf-web`]);
  tt.deepEqual(await names(`label=app`), [`vf-web`]);
  tt.deepEqual(await names(`driver=local`, `name=spare`), [`vf-spare`]);
  tt.deepEqual(await names(`dangling=true`), [`vf-spare`]);
  tt.deepEqual(await names(`dangling=false`), [`vf-web`]);
  const plain = await t([`volume`, `ls`, `--noheading`, `--filter`, `name=vf-spare`]);
  tt.is(plain.stdout, `local       vf-spare\n`);
  const bad = await t([`volume`, `ls`, `--filter`, `colour=blue`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /invalid volume filter "colour=blue"/);
});

test(`commit --iidfile writes the new image's id`, async tt => {
  tt.is((await t([`create`, `--name`, `iid1`, SEEDED.alpine, `true`])).code, 0);
  const file = `${pulled.dir}/iid`;
  const r = await t([`commit`, `-q`, `--iidfile`, file, `iid1`, `iidimage:v1`]);
  tt.is(r.code, 0, r.stderr);
  const {readFileSync} = await import('node:fs');
  tt.is(readFileSync(file, `utf8`), `sha256:${r.stdout.trim()}`);
});

test(`--format "table …": spaces between fields are column breaks, as podman's; without table they stay`, async tt => {
  const table = await t([`images`, `--sort`, `repository`, `--format`, `table {{.Repository}} {{.Tag}}`]);
  const lines = table.stdout.trim().split(`\n`);
  tt.regex(lines[0]!, /^REPOSITORY {2,}TAG$/);
  tt.is(lines[1]!.indexOf(`3.20.3`), lines[0]!.indexOf(`TAG`), `the tag column lines up under its header`);
  const plain = await t([`images`, `--sort`, `repository`, `--format`, `{{.Repository}} {{.Tag}}`]);
  tt.regex(plain.stdout.split(`\n`)[0]!, /alpine 3\.20\.3$/);
});

test.serial(`volume inspect --format renders a template; top -l takes the newest container, its words are descriptors`, async tt => {
  tt.is((await t([`volume`, `create`, `vi-fmt`])).code, 0);
  tt.is((await t([`volume`, `inspect`, `--format`, `{{.Name}} {{.Driver}}`, `vi-fmt`])).stdout, `vi-fmt local\n`);
  tt.is(JSON.parse((await t([`volume`, `inspect`, `vi-fmt`])).stdout)[0].Name, `vi-fmt`);
  tt.is((await t([`run`, `-d`, `--name`, `top-l`, SEEDED.alpine, `sleep`, `1000`])).code, 0);
  const top = await t([`top`, `-l`, `pid`, `args`]);
  tt.is(top.code, 0, top.stderr);
  tt.regex(top.stdout, /^PID\s+COMMAND\n1\s+sleep 1000$/m);
  await t([`rm`, `-f`, `-t`, `0`, `top-l`]);
});

test(`ps --ns: each namespace's inode number, as /proc/PID/ns shows it; --external changes nothing`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `ns1`, `--network`, `none`, SEEDED.alpine, `sleep`, `1000`])).code, 0);
  const [e] = JSON.parse((await t([`ps`, `--ns`, `--format`, `json`, `--filter`, `name=^ns1$`])).stdout);
  const inode = (f: string) => /\[(\d+)\]/.exec(readlinkSync(`/proc/${e.Pid}/ns/${f}`))![1];
  tt.deepEqual(e.Namespaces, {Mnt: inode(`mnt`), Cgroup: inode(`cgroup`), Ipc: inode(`ipc`), Net: inode(`net`), Pidns: inode(`pid`), Uts: inode(`uts`), User: inode(`user`)});
  const tbl = (await t([`ps`, `--ns`, `--filter`, `name=^ns1$`])).stdout.trim().split(`\n`);
  tt.deepEqual(tbl[0]!.split(/\s{2,}/), [`CONTAINER ID`, `NAMES`, `PID`, `CGROUPNS`, `IPC`, `MNT`, `NET`, `PIDNS`, `USERNS`, `UTS`]);
  tt.deepEqual(tbl[1]!.split(/\s+/).slice(1), [`ns1`, String(e.Pid), inode(`cgroup`), inode(`ipc`), inode(`mnt`), inode(`net`), inode(`pid`), inode(`user`), inode(`uts`)]);
  // Filtered to this test's container: the file's other tests create and remove theirs meanwhile.
  const mine = [`--filter`, `name=^ns1$`];
  tt.is((await t([`ps`, `-a`, `--external`, `-q`, ...mine])).stdout, (await t([`ps`, `-a`, `-q`, ...mine])).stdout);
  await t([`rm`, `-f`, `-t`, `0`, `ns1`]);
});

test(`ps --size: the container's own bytes and, as virtual, the image's with them`, async tt => {
  tt.is((await t([`run`, `--name`, `sz1`, `--network`, `none`, SEEDED.alpine, `sh`, `-c`, `head -c 100000 /dev/zero > /big`])).code, 0);
  const [e] = JSON.parse((await t([`ps`, `-a`, `-s`, `--format`, `json`, `--filter`, `name=^sz1$`])).stdout);
  const image = JSON.parse((await t([`image`, `inspect`, SEEDED.alpine])).stdout)[0];
  tt.true(e.Size.rwSize >= 100000 && e.Size.rwSize < 120000, String(e.Size.rwSize));
  tt.is(e.Size.rootFsSize, image.Size + e.Size.rwSize);
  // podman's compact units, in a last SIZE column, and the same text for {{.Size}}.
  const tbl = (await t([`ps`, `-a`, `-s`, `--filter`, `name=^sz1$`])).stdout.trim().split(`\n`);
  tt.regex(tbl[0]!, /NAMES\s+SIZE$/);
  tt.regex(tbl[1]!, / \d+kB \(virtual [\d.]+MB\)$/);
  tt.regex((await t([`ps`, `-a`, `-s`, `--filter`, `name=^sz1$`, `--format`, `{{.Size}}`])).stdout, /^\d+kB \(virtual [\d.]+MB\)\n$/);
  for (const cmd of [[`inspect`], [`container`, `inspect`]]) {
    const doc = JSON.parse((await t([...cmd, `--size`, `sz1`])).stdout)[0];
    tt.deepEqual([doc.SizeRw, doc.SizeRootFs], [e.Size.rwSize, e.Size.rootFsSize], cmd.join(` `));
  }
  tt.false(`SizeRw` in JSON.parse((await t([`inspect`, `sz1`])).stdout)[0], `only with --size`);
});

test.serial(`volume rm exits as podman's: 1 for a missing volume, 2 for one in use; -f ignores a missing one; --all`, async tt => {
  tt.is((await t([`volume`, `create`, `vr-used`])).code, 0);
  tt.is((await t([`create`, `--name`, `vr-user`, `-v`, `vr-used:/data`, SEEDED.alpine, `true`])).code, 0);
  const missing = await t([`volume`, `rm`, `vr-nope`]);
  tt.is(missing.code, 1);
  tt.is(missing.stderr, `Error: no volume with name "vr-nope" found: no such volume\n`);
  tt.deepEqual([(await t([`volume`, `rm`, `-f`, `vr-nope`])).code], [0]);
  const used = await t([`volume`, `rm`, `vr-used`]);
  tt.is(used.code, 2);
  tt.regex(used.stderr, /volume vr-used is being used by the following container\(s\): [0-9a-f]{64}/);
  tt.is((await t([`volume`, `rm`, `--all`, `vr-used`])).code, 125);
  tt.is((await t([`rm`, `vr-user`])).code, 0);
  const all = await t([`volume`, `rm`, `--all`]);
  tt.is(all.code, 0, all.stderr);
  tt.regex(all.stdout, /^vr-used$/m);
  tt.notRegex((await t([`volume`, `ls`, `-q`])).stdout, /^vr-used$/m);
});

test.serial(`volume rm -f stops and removes the containers that use the volume, running ones included (their processes gone), as podman`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `vr-run`, `-v`, `vr-live:/data`, `--network`, `none`, SEEDED.alpine, `sh`, `-c`, `trap 'exit 0' TERM; while :; do sleep 0.1; done`])).code, 0);
  const pids = (await t([`inspect`, `--format`, `{{.State.Pid}} {{.State.ConmonPid}}`, `vr-run`])).stdout.trim().split(` `).map(Number);
  tt.true(pids.every(p => p > 0), pids.join(` `));
  const r = await t([`volume`, `rm`, `-f`, `vr-live`]);
  tt.deepEqual([r.code, r.stdout], [0, `vr-live\n`], r.stderr);
  tt.is((await t([`ps`, `-a`, `-q`, `--filter`, `name=^vr-run$`])).stdout, ``);
  tt.notRegex((await t([`volume`, `ls`, `-q`])).stdout, /^vr-live$/m);
  for (let i = 0; i < 100 && pids.some(procAlive); i++) await new Promise(res => setTimeout(res, 50));
  tt.deepEqual(pids.filter(procAlive), [], `the container's process and its monitor are gone`);
});

test(`volume ls --format takes a Go template; volume exists answers 0 or 1`, async tt => {
  tt.is((await t([`volume`, `create`, `--label`, `k=v`, `tplvol`])).code, 0);
  const r = await t([`volume`, `ls`, `--filter`, `name=tplvol`, `--format`, `{{.Name}} {{.Driver}} {{.Labels}}`]);
  tt.is(r.stdout, `tplvol local map[k:v]\n`, r.stderr);
  const table = await t([`volume`, `ls`, `--filter`, `name=tplvol`, `--format`, `table {{.Name}}`]);
  tt.is(table.stdout, `VOLUME NAME\ntplvol\n`);
  tt.is((await t([`volume`, `exists`, `tplvol`])).code, 0);
  tt.is((await t([`volume`, `exists`, `tplvol-nope`])).code, 1);
});

test.serial(`volume prune asks first and names the volumes; y removes them, anything else nothing`, async tt => {
  tt.is((await t([`volume`, `create`, `pr-unused`])).code, 0);
  const no = await t([`volume`, `prune`], ``);
  tt.is(no.code, 0);
  tt.regex(no.stdout, /^WARNING! This will remove all volumes not used by at least one container\. The following volumes will be removed:\n(.*\n)*pr-unused\n(.*\n)*Are you sure you want to continue\? \[y\/N\] $/);
  tt.is((await t([`volume`, `exists`, `pr-unused`])).code, 0);
  const yes = await t([`volume`, `prune`], `y\n`);
  tt.regex(yes.stdout, /^pr-unused$/m);
  tt.is((await t([`volume`, `exists`, `pr-unused`])).code, 1);
});

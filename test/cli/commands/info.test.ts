import test from 'ava';
import {writeFileSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {tempStore} from '../../_helpers/runCli';

test(`info --format json reports the host as the tests see it`, async t => {
  const store = tempStore();
  t.teardown(() => store.cleanup());
  const info = await store.json([`info`, `--format`, `json`]);
  t.is(info.store.graphRoot, store.root);
  t.is(info.store.runRoot, store.runroot);
  // The driver the store uses, never a placeholder.
  t.true([`overlay`, `fuse-overlayfs`, `vfs`].includes(info.store.graphDriverName), info.store.graphDriverName);
  t.is(info.host.os, `linux`);
  if (process.getuid!() !== 0) {
    // The suite runs as an unprivileged user with subordinate ids (test/run.mjs).
    t.true(info.host.rootless);
    t.true(info.host.idMappings.uidmap.length > 0, `the test user has subordinate uids`);
    t.true(info.host.newuidmap.privileged);
    t.true(info.host.fuse.devFuse, `/dev/fuse is accessible (install.sh sets 0666)`);
    t.true(info.host.network.devNetTun, `/dev/net/tun is accessible (install.sh sets 0666)`);
  }
});

test(`info --format takes podman's Go template field names over the report`, async t => {
  const store = tempStore();
  t.teardown(() => store.cleanup());
  const r = await store.run([`info`, `--format`, `{{.Host.Security.Rootless}}|{{.Store.GraphRoot}}|{{.Store.ContainerStore.Number}}|{{.Store.ImageStore.Number}}|{{.Host.LogDriver}}|{{.Plugins.Log}}`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${process.getuid!() !== 0}|${store.root}|0|0|k8s-file|[k8s-file none passthrough]\n`);
  // A Go field whose JSON key differs (podman's HostInfo.CgroupsVersion is `cgroupVersion`).
  const cg = await store.run([`info`, `--format`, `{{.Host.CgroupsVersion}}`]);
  t.is(cg.stdout.trim(), (await store.json([`info`, `--format`, `json`])).host.cgroupVersion, cg.stderr);
  const bad = await store.run([`info`, `--format`, `{{.Host.NoSuchField}}`]);
  t.is(bad.code, 125);
  t.regex(bad.stderr, /can't evaluate field NoSuchField/);
  const json = await store.json([`info`, `--format`, `json`]);
  t.true(json.host.cpus > 0);
  t.true(json.host.memTotal > 0);
  t.is(json.store.volumePath, join(store.root, `volumes`));
});

test(`info explains why resource limits are unavailable on a host without delegation`, async t => {
  const store = tempStore();
  t.teardown(() => store.cleanup());
  const info = await store.json([`info`, `--format`, `json`]);
  if (info.host.resourceLimits.available) {
    t.true(info.host.cgroupControllers.length > 0);
    return;
  }
  const problem = info.problems.find((p: any) => /resource limits are unavailable/.test(p.what));
  t.truthy(problem, `a problem names the missing limits`);
  t.regex(problem.fix, /cgroup|Delegate/);
  const r = await store.run([`info`]);
  t.regex(r.stdout, /resourceLimits: unavailable/);
  t.regex(r.stdout, /fix: /);
});

test(`--root pointing at a file is a one-line error`, async t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-file-root-`));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const file = join(dir, `not-a-dir`);
  writeFileSync(file, `x`);
  const store = tempStore();
  t.teardown(() => store.cleanup());
  const {runTspod} = await import(`../../_helpers/runCli`);
  const r = await runTspod([`--root`, file, `images`]);
  t.is(r.code, 125);
  t.regex(r.stderr, /^Error: .*not-a-dir.*(not a directory|is a file)/);
  t.notRegex(r.stderr, /\n\s+at /);
});

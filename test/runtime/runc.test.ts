// The same small container through tspod-helper and through runc (runtime/runc.ts),
// the config.json runc gets (runtime/ociSpec.ts), and what crun says on this host.
import {join} from 'node:path';
import {userInfo} from 'node:os';
import test from 'ava';
import {HELPER_BIN} from '../_helpers/project';
import {whenAvailable} from '../_helpers/features';
import type {RuntimeSpec} from '../../src/oci/runtimeSpec';
import {resolveCapabilities} from '../../src/runtime/capabilities';
import {runContainer} from '../../src/runtime/helper';
import {idMapEnv, loggedError, runOci, runtimeError} from '../../src/runtime/runc';
import {crunCgroupProblem, resolveRuntime, runtimeAvailability} from '../../src/runtime/ociRuntime';
import {ociSpec, SYNC_HOOK_SCRIPT} from '../../src/runtime/ociSpec';
import {NETWORK_HOOKS_ANNOTATION} from '../../src/runtime/specToPlan';
import {DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, defaultMounts, specToPlan} from '../../src/runtime/specToPlan';
import {canUserns, removeTree, subordinateRange, tempDir, unpackAlpine} from '../helpers/_support';

const PATH = process.env.PATH;
const runc = runtimeAvailability(`runc`, PATH);
const it = whenAvailable(canUserns && runc.available, `runc and an unprivileged user with subordinate ids`);

let work = ``, rootfs = ``;
test.before(() => {
  if (!canUserns) return;
  work = tempDir(`tspod-runc-`);
  rootfs = unpackAlpine(work);
});
test.after.always(() => { if (work) removeTree(work); });

/** root's groups in alpine's /etc/group: runc adds them whatever the spec says, so the spec names them all. */
const ALPINE_ROOT_GROUPS = [1, 2, 3, 4, 6, 10, 11, 20, 26, 27];

function spec(rootfs: string): RuntimeSpec {
  const me = userInfo();
  const uids = subordinateRange(`/etc/subuid`) ?? {start: 100000, count: 65536};
  const gids = subordinateRange(`/etc/subgid`) ?? {start: 100000, count: 65536};
  const caps = resolveCapabilities();
  return {
    ociVersion: `1.0.2`,
    root: {path: rootfs},
    hostname: `same`,
    process: {
      args: [`sh`, `-c`, `echo $$ $(hostname) $(id -u):$(id -g) $(id -G); grep -E '^(CapEff|NoNewPrivs)' /proc/self/status | tr -s '\\t' ' '; cat /proc/self/uid_map | tr -s ' '; exit 7`],
      cwd: `/`, user: {uid: 0, gid: 0, additionalGids: ALPINE_ROOT_GROUPS}, env: [`PATH=/usr/bin:/bin:/usr/sbin:/sbin`],
      capabilities: {bounding: caps, effective: caps, permitted: caps}, noNewPrivileges: true,
    },
    mounts: defaultMounts(),
    linux: {
      namespaces: [{type: `pid`}, {type: `mount`}, {type: `uts`}, {type: `ipc`}, {type: `user`}],
      uidMappings: [{containerID: 0, hostID: me.uid, size: 1}, {containerID: 1, hostID: uids.start, size: uids.count}],
      gidMappings: [{containerID: 0, hostID: me.gid, size: 1}, {containerID: 1, hostID: gids.start, size: gids.count}],
      maskedPaths: DEFAULT_MASKED_PATHS, readonlyPaths: DEFAULT_READONLY_PATHS,
    },
  };
}

function collector(): {stream: NodeJS.WritableStream, text: () => string} {
  let s = ``;
  return {stream: {write: (b: Buffer | string) => { s += b.toString(); return true; }} as never, text: () => s};
}

it(`helper and runc agree on the same spec, groups included`, async t => {
  const viaHelper = await runContainer(HELPER_BIN, specToPlan(spec(rootfs)), {stdio: [`ignore`, `pipe`, `pipe`]});
  const runRoot = join(work, `run`);
  const err = collector();
  const viaRunc = await runOci(spec(rootfs), {
    runtime: {name: `runc`, path: runc.path!}, helperPath: HELPER_BIN, id: `t${process.pid}`, stateRoot: join(runRoot, `state`),
    bundleDir: join(runRoot, `bundle`), path: PATH, stdin: `ignore`, stdout: `pipe`, stderr: err.stream,
  });
  t.is(viaHelper.exitCode, 7, viaHelper.stderr);
  t.is(viaRunc.exitCode, 7, err.text());
  t.is(viaHelper.stdout, viaRunc.stdout);
  t.regex(viaHelper.stdout!, /^1 same 0:0 0 1 2 3 4 6 10 11 20 26 27\nCapEff: 00000000800405fb\nNoNewPrivs: 1\n/);
  t.is(err.text(), ``);
});

it(`a missing command is 127 with runc's reason, and nothing of runc's own on stderr`, async t => {
  const s = spec(rootfs);
  s.process.args = [`nosuchcommand`];
  const err = collector();
  const e = await t.throwsAsync(runOci(s, {
    runtime: {name: `runc`, path: runc.path!}, helperPath: HELPER_BIN, id: `nf${process.pid}`, stateRoot: join(work, `run/state`),
    bundleDir: join(work, `run/bundle-nf`), path: PATH, stdin: `ignore`, stdout: `pipe`, stderr: err.stream,
  }));
  t.is((e as {code?: string}).code, `CommandNotFound`);
  t.regex(e!.message, /^runc: .*"nosuchcommand": executable file not found/);
  t.is(err.text(), ``);
});

test(`ociSpec: no user namespace or maps, the overlay root as the first mount, the pid hand-over hook`, t => {
  const s = spec(`/merged`);
  s.annotations = {[NETWORK_HOOKS_ANNOTATION]: JSON.stringify([[`pasta`, `@PID@`]])};
  const o = ociSpec(s, {rootfsMount: {type: `overlay`, source: `overlay`, options: [`lowerdir=/l,upperdir=/u,workdir=/w,userxattr`]}, sync: {notify: `/b/n`, go: `/b/g`}});
  t.false(o.linux!.namespaces!.some(n => n.type === `user`));
  t.is(o.linux!.uidMappings, undefined);
  t.deepEqual(o.mounts![0], {destination: `/`, type: `overlay`, source: `overlay`, options: [`lowerdir=/l,upperdir=/u,workdir=/w,userxattr`]});
  t.deepEqual(o.mounts!.find(m => m.destination === `/sys`), {destination: `/sys`, type: `bind`, source: `/sys`, options: [`rbind`, `nosuid`, `noexec`, `nodev`, `ro`]}, `no network namespace: the host's sysfs`);
  t.deepEqual(o.hooks!.createRuntime![0]!.args!.slice(3), [`tspod-sync`, `/b/n`, `/b/g`]);
  t.is(s.linux!.uidMappings!.length, 2, `the saved spec is not changed`);
  const bind = ociSpec(s, {rootfsMount: {type: `bind`, source: `/diff`, options: [`rbind`]}});
  t.is(bind.root.path, `/diff`);
  t.is(bind.hooks, undefined);
  const joined = {...s, linux: {...s.linux, namespaces: [{type: `network` as const, path: `/proc/1/ns/net`}]}};
  t.throws(() => ociSpec(joined), {message: /cannot join the network namespace/});
});

test(`the pid hand-over hook reads runc's state and waits for the answer`, async t => {
  const {spawnSync} = await import(`node:child_process`);
  const {mkdtempSync, readFileSync, writeFileSync, rmSync} = await import(`node:fs`);
  const {tmpdir} = await import(`node:os`);
  const dir = mkdtempSync(join(tmpdir(), `tspod-sync-`));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const state = JSON.stringify({ociVersion: `1.0.2-dev`, id: `x`, status: `creating`, pid: 4242, bundle: `/b`, annotations: {a: `"pid":1`}});
  writeFileSync(join(dir, `go`), `0\n`);
  const ok = spawnSync(`/bin/sh`, [`-c`, SYNC_HOOK_SCRIPT, `x`, join(dir, `n`), join(dir, `go`)], {input: state});
  t.is(ok.status, 0, ok.stderr.toString());
  t.is(readFileSync(join(dir, `n`), `utf8`), `4242\n`);
  writeFileSync(join(dir, `go`), `1\n`);
  t.is(spawnSync(`/bin/sh`, [`-c`, SYNC_HOOK_SCRIPT, `x`, join(dir, `n`), join(dir, `go`)], {input: state}).status, 1);
});

test(`runtime errors map to podman's exit codes`, t => {
  t.is(runtimeError(`runc`, `runc run failed: unable to start container process: exec: "x": executable file not found in $PATH`).code, `CommandNotFound`);
  t.is(runtimeError(`runc`, `runc run failed: unable to start container process: exec: "/etc": permission denied`).code, `CannotInvoke`);
  const other = runtimeError(`runc`, `runc run failed: unable to start container process: error during container init: error mounting "x"`);
  t.is(other.code, `Internal`);
  t.is(other.message, `runc: unable to start container process: error during container init: error mounting "x"`);
  t.is(loggedError(`/nonexistent`), undefined);
});

test(`id maps go to tspod-helper userns as newuidmap triples`, t => {
  t.deepEqual(idMapEnv(spec(`/r`)).TSPOD_UIDMAP?.split(` `).slice(0, 3), [`0`, String(userInfo().uid), `1`]);
  const single = spec(`/r`);
  single.linux!.uidMappings = [{containerID: 0, hostID: 1000, size: 1}];
  single.linux!.gidMappings = [{containerID: 0, hostID: 1000, size: 1}];
  t.deepEqual(idMapEnv(single), {});
});

test(`--runtime: names and paths; crun says why it cannot run here`, t => {
  t.deepEqual(resolveRuntime(undefined, PATH), {kind: `builtin`});
  t.deepEqual(resolveRuntime(`tspod`, PATH), {kind: `builtin`});
  t.throws(() => resolveRuntime(`kata`, PATH), {message: /unknown OCI runtime "kata"/});
  const crun = runtimeAvailability(`crun`, PATH);
  if (crun.path === undefined) {
    t.regex(crun.reason!, /crun is not installed/);
    return;
  }
  const problem = crunCgroupProblem();
  t.is(crun.available, problem === undefined);
  if (!crun.available) {
    t.regex(crun.reason!, /hybrid/);
    t.throws(() => resolveRuntime(`crun`, PATH), {message: /^--runtime crun: crun .*cannot run containers on this host: .*hybrid/});
  }
});

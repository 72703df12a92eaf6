// The same small container through tspod-helper and through rootless runc.
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {userInfo} from 'node:os';
import test from 'ava';
import {HELPER_BIN} from '../_helpers/project';
import {whenAvailable} from '../_helpers/features';
import type {RuntimeSpec} from '../../src/oci/runtimeSpec';
import {resolveCapabilities} from '../../src/runtime/capabilities';
import {runContainer} from '../../src/runtime/helper';
import {runWithRunc, runtimeAvailability} from '../../src/runtime/runc';
import {DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, defaultMounts, specToPlan} from '../../src/runtime/specToPlan';
import {canUserns, removeTree, subordinateRange, tempDir, unpackAlpine} from '../helpers/_support';

const it = whenAvailable(canUserns && runtimeAvailability(`runc`).available, `runc and an unprivileged user with subordinate ids`);

let work = ``;
test.before(() => { if (canUserns) work = tempDir(`tspod-runc-`); });
test.after.always(() => { if (work) removeTree(work); });

function spec(rootfs: string): RuntimeSpec {
  const me = userInfo();
  const uids = subordinateRange(`/etc/subuid`)!;
  const gids = subordinateRange(`/etc/subgid`)!;
  const caps = resolveCapabilities();
  return {
    ociVersion: `1.0.2`,
    root: {path: rootfs},
    hostname: `same`,
    process: {
      args: [`sh`, `-c`, `echo $$ $(hostname) $(id -u):$(id -g); grep -E '^(CapEff|NoNewPrivs)' /proc/self/status | tr -s '\\t' ' '; cat /proc/self/uid_map | tr -s ' '; exit 7`],
      cwd: `/`, user: {uid: 0, gid: 0}, env: [`PATH=/usr/bin:/bin:/usr/sbin:/sbin`],
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

it(`helper and runc agree on the same spec`, async t => {
  const rootfs = unpackAlpine(work);
  const viaHelper = await runContainer(HELPER_BIN, specToPlan(spec(rootfs)), {stdio: [`ignore`, `pipe`, `pipe`]});
  const runRoot = join(work, `run`);
  mkdirSync(runRoot);
  const viaRunc = await runWithRunc(spec(rootfs), {bundleDir: join(work, `bundle`), runRoot, id: `t${process.pid}`, stdio: [`ignore`, `pipe`, `pipe`]});
  t.is(viaHelper.exitCode, 7, viaHelper.stderr);
  t.is(viaRunc.exitCode, 7, viaRunc.stderr);
  t.is(viaHelper.stdout, viaRunc.stdout);
  t.regex(viaHelper.stdout!, /^1 same 0:0\nCapEff: 00000000800405fb\nNoNewPrivs: 1\n/);
});

test(`crun availability says why not on a cgroup v1 host`, t => {
  const a = runtimeAvailability(`crun`);
  if (a.available) t.pass();
  else t.regex(a.reason!, /crun|cgroup|install/);
});

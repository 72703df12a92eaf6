import test from 'ava';
import {depth, parseImageVolumeMode, uncoveredImageVolumes} from '../../../src/engine/run/imageVolumes';
import {TspodError} from '../../../src/engine/errors';
import {copyUpPlan} from '../../../src/runtime/ociCopyUp';
import {COPY_UP_ANNOTATION, specToPlan} from '../../../src/runtime/specToPlan';
import type {RuntimeSpec} from '../../../src/oci/runtimeSpec';

test(`--image-volume: bind (default), tmpfs, ignore; anything else is refused`, t => {
  t.is(parseImageVolumeMode(undefined), `bind`);
  for (const m of [`bind`, `tmpfs`, `ignore`] as const) t.is(parseImageVolumeMode(m), m);
  const err = t.throws(() => parseImageVolumeMode(`anonymous`), {instanceOf: TspodError});
  t.is(err!.code, `InvalidArgument`);
});

test(`image volumes: cleaned, sorted, once each; a user's mount at the same destination wins; / is never one`, t => {
  const vols = {'/var/lib/data/': {}, '/data': {}, '/srv//x': {}, '/': {}, 'rel': {}};
  t.deepEqual(uncoveredImageVolumes(vols, []), [`/data`, `/rel`, `/srv/x`, `/var/lib/data`]);
  t.deepEqual(uncoveredImageVolumes(vols, [{destination: `/data`}, {destination: `/var/lib/data`}]), [`/rel`, `/srv/x`]);
  // Only the same destination counts (podman): a mount above or below the path does not cover it.
  t.deepEqual(uncoveredImageVolumes({'/var/lib/data': {}}, [{destination: `/var`}]), [`/var/lib/data`]);
  t.deepEqual(uncoveredImageVolumes(undefined, []), []);
  t.deepEqual([`/a/b`, `/a`, `/`].map(depth), [2, 1, 0]);
});

function spec(): RuntimeSpec {
  return {
    ociVersion: `1.0.2`, root: {path: `/merged`},
    process: {args: [`true`], cwd: `/`, user: {uid: 0, gid: 0}},
    mounts: [
      {destination: `/proc`, type: `proc`, source: `proc`, options: []},
      {destination: `/data`, type: `bind`, source: `/vols/a/_data`, options: [`rbind`, `rw`]},
      {destination: `/other`, type: `bind`, source: `/vols/b/_data`, options: [`rbind`, `rw`]},
    ],
    annotations: {[COPY_UP_ANNOTATION]: JSON.stringify([`/data`])},
    linux: {uidMappings: [{containerID: 0, hostID: 1000, size: 1}], gidMappings: [{containerID: 0, hostID: 1000, size: 1}]},
  };
}

test(`the plan fills a copy-up volume just before its bind mount, and no other`, t => {
  const plan = specToPlan(spec(), {hostUid: 1000, hostGid: 1000});
  const i = plan.findIndex(d => d.kind === `copy-up`);
  t.deepEqual(plan[i], {kind: `copy-up`, source: `/vols/a/_data`, dest: `/data`});
  t.like(plan[i + 1], {kind: `mount`, source: `/vols/a/_data`, dest: `/data`});
  t.is(plan.filter(d => d.kind === `copy-up`).length, 1);
  t.true(i < plan.findIndex(d => d.kind === `pivot`));
});

test(`the OCI runtime path: a copy-up plan of the root, its mount and the copies; none without copy-ups`, t => {
  t.deepEqual(copyUpPlan(spec(), {type: `overlay`, source: `overlay`, options: [`lowerdir=/l,upperdir=/u,workdir=/w,userxattr`]}), [
    {kind: `rootfs`, path: `/merged`},
    {kind: `rootfs-mount`, type: `overlay`, source: `overlay`, flags: 0, data: `lowerdir=/l,upperdir=/u,workdir=/w,userxattr`},
    {kind: `copy-up`, source: `/vols/a/_data`, dest: `/data`},
  ]);
  t.deepEqual(copyUpPlan(spec(), {type: `bind`, source: `/vfs/dir`, options: [`rbind`]}), [
    {kind: `rootfs`, path: `/vfs/dir`},
    {kind: `copy-up`, source: `/vols/a/_data`, dest: `/data`},
  ]);
  t.is(copyUpPlan({...spec(), annotations: {}}, undefined), undefined);
});

// startMonitor against a stand-in monitor that fails at once, the way the real one does
// for a missing command: its status must be read even when the monitor has exited (and
// been reaped by node) before tspod has recorded it. Node resumes the unread stdio of an
// exited child, so a status pipe listened to only after `onSpawn` lost the error: the
// promise never settled and `run -d` exited 0 without a word.
import test from 'ava';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {EngineContext} from '../../../src/engine/Engine';
import {TspodError} from '../../../src/engine/errors';
import {startMonitor} from '../../../src/engine/lifecycle/monitor';
import {readStat} from '../../../src/engine/lifecycle/procStat';
import {defaultMounts} from '../../../src/runtime/specToPlan';
import type {ContainerStore} from '../../../src/storage/ContainerStore';

const ERROR_LINE = `{"error":"exec \`no-such-cmd\`: ENOENT","errno":"ENOENT","stage":"exec"}`;

function setup(): {ctx: EngineContext, cs: ContainerStore, base: string} {
  const base = mkdtempSync(join(tmpdir(), `tspod-startmon-`));
  mkdirSync(join(base, `install/helpers`), {recursive: true});
  // The monitor's failure report (helpers/README.md, --status-fd): the helper's error line, then the exit code.
  writeFileSync(join(base, `install/helpers/tspod-helper`), `#!/bin/sh\nprintf '%s\\n' '${ERROR_LINE}' '{"exitCode":127}' >&3\n`);
  chmodSync(join(base, `install/helpers/tspod-helper`), 0o755);
  const userdata = join(base, `userdata`);
  mkdirSync(userdata);
  writeFileSync(join(userdata, `config.json`), JSON.stringify({
    ociVersion: `1.0.2`,
    root: {path: join(base, `merged`)},
    process: {args: [`no-such-cmd`], cwd: `/`, user: {uid: 0, gid: 0}, env: [`PATH=/usr/bin:/bin`]},
    mounts: defaultMounts(),
    linux: {namespaces: [{type: `pid`}, {type: `mount`}, {type: `user`}], uidMappings: [{containerID: 0, hostID: 1000, size: 1}], gidMappings: [{containerID: 0, hostID: 1000, size: 1}]},
  }));
  const ctx = {paths: {runRoot: join(base, `run`)}, installDir: join(base, `install`)} as unknown as EngineContext;
  const cs = {userdataDir: () => userdata} as unknown as ContainerStore;
  return {ctx, cs, base};
}

test(`a monitor that exits before onSpawn returns: its error and exit code still arrive`, async t => {
  const {ctx, cs, base} = setup();
  try {
    const err = await t.throwsAsync(startMonitor(ctx, cs, `c1`, undefined, {
      log: true,
      // Like a slow record update under a busy store lock: return only once node has
      // reaped the monitor (its /proc entry is gone), so its exit has been handled.
      onSpawn: async pid => {
        while (readStat(pid) !== undefined) await new Promise(r => setTimeout(r, 5));
      },
    }), {instanceOf: TspodError});
    t.is(err?.code, `CommandNotFound`);
    t.regex(err?.message ?? ``, /no-such-cmd/);
    t.is((err as TspodError & {exitCode?: number}).exitCode, 127);
  } finally {
    rmSync(base, {recursive: true, force: true});
  }
});

// refresh() kills a detached container's orphan (its monitor died) only when the record it
// read is still the store's: a stale read, from before a restart, must not kill the new
// start's process, whose pid the pid file already names.
import test from 'ava';
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {ContainerStore} from '../../../src/storage/ContainerStore';
import {refresh, runFiles} from '../../../src/engine/lifecycle/containers';
import type {EngineContext} from '../../../src/engine/Engine';

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

test(`a stale record (the monitor before a restart) does not kill the new start's process`, async t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-refresh-`));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const ctx = {paths: {graphRoot: join(dir, `root`), runRoot: join(dir, `run`)}, eventsBackend: `none`, env: {}, log: {debug() {}, warn() {}}} as unknown as EngineContext;
  mkdirSync(ctx.paths.graphRoot, {recursive: true});
  const cs = new ContainerStore(ctx.paths.graphRoot, `overlay`);
  t.teardown(() => cs.close());
  // The new start: a live monitor (this process) and a live container process.
  const ctr = spawn(`sleep`, [`30`], {stdio: `ignore`});
  t.teardown(() => { try { ctr.kill(`SIGKILL`); } catch {} });
  const dead = spawn(`true`);
  await new Promise(r => dead.once(`exit`, r));
  const rec = await cs.create({image: ``, layer: `l`, metadata: {state: `running`, monitorPid: process.pid}});
  const f = runFiles(ctx.paths.runRoot, rec.id);
  mkdirSync(f.dir, {recursive: true});
  writeFileSync(f.pidFile, `${ctr.pid}\n`);
  // What a concurrent ps read before that start: the old monitor, gone now.
  const stale = {...rec, metadata: {...rec.metadata, monitorPid: dead.pid}};
  await refresh(ctx, cs, stale);
  // A kill would show as its exit (a zombie still answers kill 0): give it the time to arrive.
  await new Promise(r => setTimeout(r, 500));
  t.is(ctr.signalCode, null, `the new start's process was killed`);
  t.true(alive(ctr.pid!));
  t.is((await cs.get(rec.id))?.metadata.state, `running`);
  // The same, read fresh with its monitor dead: an orphan, killed.
  await cs.updateRecord(rec.id, c => { c.metadata = {...c.metadata, monitorPid: dead.pid}; });
  await refresh(ctx, cs, (await cs.get(rec.id))!);
  const end = Date.now() + 5000;
  while (alive(ctr.pid!) && ctr.exitCode === null && ctr.signalCode === null && Date.now() < end) await new Promise(r => setTimeout(r, 20));
  t.is(ctr.signalCode, `SIGKILL`);
});

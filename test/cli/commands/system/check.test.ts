// `tspod system check` and `system reset`.
import test from 'ava';
import {existsSync, rmSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {tempStore} from '../../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../../_helpers/registry';
import {registriesEnv, MANIFESTS, IDS} from '../../../_helpers/imageEnv';
import {procAlive} from '../../../_helpers/procAlive';

const env = registriesEnv([REGISTRY]);

test(`a clean store has no problems; a missing blob is found and repaired`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  const ok = await s.run([`system`, `check`]);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.is(ok.stdout, `No problems found\n`);
  rmSync(join(s.root, `blobs/sha256`, MANIFESTS.busyboxGlibc.slice(7)));
  const bad = await s.run([`system`, `check`]);
  t.is(bad.code, 125);
  t.regex(bad.stdout, /found: .*sha256:7a3ebe5b/);
  const json = await s.json([`system`, `check`, `--repair`, `--format`, `json`]).catch(() => undefined);
  const fixed = await s.run([`system`, `check`]);
  t.is(fixed.code, 0, `${JSON.stringify(json)} ${fixed.stdout}`);
  t.deepEqual(await s.json([`images`, `--format`, `json`]), []);
});

test(`a corrupt config blob is found by the full check, not by --quick`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  const blob = join(s.root, `blobs/sha256`, IDS.busyboxGlibc);
  const bytes = readFileSync(blob);
  bytes[10] ^= 1;
  writeFileSync(blob, bytes);
  const quick = await s.run([`system`, `check`, `--quick`]);
  t.is(quick.code, 0, quick.stdout);
  const full = await s.run([`system`, `check`]);
  t.is(full.code, 125);
  t.regex(full.stdout, new RegExp(`found: image ${IDS.busyboxGlibc.slice(0, 12)} .*blob sha256:${IDS.busyboxGlibc} does not match its digest`));
  const repaired = await s.run([`system`, `check`, `--repair`]);
  t.is(repaired.code, 0, repaired.stdout + repaired.stderr);
  t.deepEqual(await s.json([`images`, `--format`, `json`]), []);
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  t.is((await s.run([`system`, `check`])).code, 0);
});

test(`a writable layer whose container record is gone (rm killed half-way) is found and removed`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.busyboxGlibc], {env})).code, 0);
  const c = await s.run([`create`, `--network`, `none`, SEEDED.busyboxGlibc, `true`]);
  t.is(c.code, 0, c.stderr);
  const id = c.stdout.trim();
  const dir = readdirSync(s.root).find(d => d.endsWith(`-containers`))!;
  const index = join(s.root, dir, `containers.json`);
  writeFileSync(index, JSON.stringify(JSON.parse(readFileSync(index, `utf8`)).filter((r: {id: string}) => r.id !== id)));
  const found = await s.run([`system`, `check`]);
  t.is(found.code, 125);
  t.regex(found.stdout, new RegExp(`found: writable layer ${id} belongs to no container`));
  const fixed = await s.run([`system`, `check`, `--repair`]);
  t.is(fixed.code, 0, fixed.stdout + fixed.stderr);
  t.is((await s.run([`system`, `check`])).stdout, `No problems found\n`);
  t.is((await s.run([`rmi`, SEEDED.busyboxGlibc])).code, 0);
});

test(`system reset -f stops every container first, then removes the whole store, layer files owned by subordinate ids included`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  t.is((await s.run([`pull`, SEEDED.alpine], {env})).code, 0);
  t.is((await s.run([`run`, `-d`, `--name`, `busy`, `--network`, `none`, SEEDED.alpine, `sleep`, `1000`], {env})).code, 0);
  const pids = (await s.run([`inspect`, `--format`, `{{.State.Pid}} {{.State.ConmonPid}}`, `busy`])).stdout.trim().split(` `).map(Number);
  t.true(pids.every(p => p > 0), pids.join(` `));
  t.true(readdirSync(s.root).length > 0);
  const r = await s.run([`system`, `reset`, `-f`]);
  t.is(r.code, 0, r.stderr);
  t.false(existsSync(s.root));
  t.deepEqual(await s.json([`images`, `--format`, `json`]), []);
  t.deepEqual(await s.json([`ps`, `-a`, `--format`, `json`]), []);
  t.deepEqual(pids.filter(procAlive), [], `the container's process and its monitor are gone`);
});

test(`system migrate and renumber have nothing to do and exit 0, as scripts written for podman expect; migrate --new-runtime is refused`, async t => {
  const s = tempStore();
  t.teardown(() => s.cleanup());
  for (const verb of [`migrate`, `renumber`]) {
    const r = await s.run([`system`, verb]);
    t.deepEqual([r.code, r.stdout, r.stderr], [0, ``, ``], verb);
  }
  const r = await s.run([`system`, `migrate`, `--new-runtime`, `runc`]);
  t.is(r.code, 125);
  t.regex(r.stderr, /^Error: --new-runtime is not supported/);
});

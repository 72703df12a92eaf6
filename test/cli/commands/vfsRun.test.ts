// Containers on a store made with --storage-driver vfs (the copying fallback when no
// overlay can be mounted): run, run -d, exec, stop and rm end to end, with the built-in
// runtime and runc; commit and diff say they need overlay.
import test from 'ava';
import {existsSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {tempStore} from '../../_helpers/runCli';
import type {TempStore} from '../../_helpers/runCli';
import {registriesEnv} from '../../_helpers/imageEnv';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {whenAvailable} from '../../_helpers/features';
import {runtimeAvailability} from '../../../src/runtime/ociRuntime';

const ALPINE = SEEDED.alpine;
const env = registriesEnv([REGISTRY]);
let s: TempStore;
const t = (args: Array<string>) => s.run([`--storage-driver`, `vfs`, ...args], {env});

test.before(async () => {
  s = tempStore();
  const r = await t([`pull`, ALPINE]);
  if (r.code !== 0) throw new Error(`pull: ${r.stderr}`);
});
test.after.always(async () => {
  await t([`rm`, `-fa`, `-t`, `0`]);
  s.cleanup();
});

test.serial(`vfs: run, run -d, exec, stop and rm; the container's writes stay in its own copy`, async tt => {
  const r = await t([`run`, `--rm`, `--network`, `none`, ALPINE, `sh`, `-c`, `echo on-vfs; touch /written`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout, `on-vfs\n`);
  tt.is((await t([`run`, `-d`, `--name`, `vd`, `--network`, `none`, ALPINE, `sleep`, `1000`])).code, 0);
  const e = await t([`exec`, `vd`, `sh`, `-c`, `echo made > /made; cat /made; test -e /written || echo fresh`]);
  tt.is(e.stdout, `made\nfresh\n`, e.stderr);
  tt.is((await t([`stop`, `-t`, `0`, `vd`])).code, 0);
  tt.is((await t([`start`, `vd`])).code, 0);
  tt.is((await t([`exec`, `vd`, `cat`, `/made`])).stdout, `made\n`, `kept across a restart`);
  const d = await t([`diff`, `vd`]);
  tt.is(d.code, 125);
  tt.regex(d.stderr, /commit and diff need the overlay storage driver \(this store uses vfs\)/);
  tt.is((await t([`rm`, `-f`, `-t`, `0`, `vd`])).code, 0);
  // One layer for the image, none left of the containers.
  tt.is(readdirSync(join(s.root, `vfs`, `dir`)).length, 1);
  tt.false(existsSync(join(s.root, `overlay`, `l`)));
});

whenAvailable(runtimeAvailability(`runc`, process.env.PATH).available, `runc (apt-get install runc)`).serial(`vfs: --runtime runc runs on the same copy`, async tt => {
  const r = await t([`run`, `--rm`, `--runtime`, `runc`, `--network`, `none`, ALPINE, `cat`, `/etc/alpine-release`]);
  tt.is(r.code, 0, r.stderr);
  tt.regex(r.stdout, /^3\.20/);
});

// `push` end to end as the unprivileged test user against the local registry:
// commit → push → rmi → pull → run; a second push reuses every blob; a layer whose
// blob is gone from the store is packed again from its directory.
import test from 'ava';
import {readdirSync, unlinkSync} from 'node:fs';
import {join} from 'node:path';
import {tempStore} from '../../_helpers/runCli';
import type {TempStore} from '../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {registriesEnv} from '../../_helpers/imageEnv';

const env = registriesEnv([REGISTRY]);
const ALPINE = SEEDED.alpine;
let s: TempStore;
const tag = `${process.pid}-${Date.now()}`;

test.before(async () => {
  s = tempStore();
  const r = await s.run([`pull`, ALPINE], {env});
  if (r.code !== 0) throw new Error(`pull: ${r.stderr}`);
});
test.after.always(async () => {
  await s?.run([`rm`, `-fa`, `-t`, `0`], {env});
  s?.cleanup();
});

const t = (args: Array<string>) => s.run(args, {env});

test.serial(`commit → push → rmi → pull → run; pushing again reuses the blobs`, async tt => {
  tt.is((await t([`run`, `--name`, `p1`, ALPINE, `sh`, `-c`, `echo pushed > /hello`])).code, 0);
  tt.is((await t([`commit`, `p1`, `pushme`])).code, 0);
  const dest = `${REGISTRY}/tspodtest/pushme:${tag}`;
  const p = await t([`push`, `--tls-verify=false`, `pushme`, dest]);
  tt.is(p.code, 0, p.stderr);
  tt.regex(p.stderr, /Writing manifest/);
  const again = await t([`push`, `--tls-verify=false`, `pushme`, dest]);
  tt.is(again.code, 0, again.stderr);
  tt.is((again.stderr.match(/skipped: already exists/g) ?? []).length, 2, again.stderr);
  tt.is((await t([`rm`, `p1`])).code, 0);
  tt.is((await t([`rmi`, `pushme`])).code, 0);
  const pull = await t([`pull`, `--tls-verify=false`, dest]);
  tt.is(pull.code, 0, pull.stderr);
  const run = await t([`run`, `--rm`, dest, `sh`, `-c`, `cat /hello; cat /etc/alpine-release`]);
  tt.is(run.stdout.trim(), `pushed\n3.20.3`, run.stderr);
});

test.serial(`a layer whose blob is gone is packed again from its directory`, async tt => {
  tt.is((await t([`run`, `--name`, `p2`, ALPINE, `sh`, `-c`, `mkdir /d && echo again > /d/f && rm /etc/motd`])).code, 0);
  const c = await t([`commit`, `p2`, `regen`]);
  tt.is(c.code, 0, c.stderr);
  const insp = (await s.json([`image`, `inspect`, `regen`], {env}))[0];
  const manifest = (await s.json([`image`, `inspect`, `--format`, `json`, `regen`], {env}).catch(() => undefined));
  void manifest;
  // The committed layer's blob: the newest blob in the store that is not a manifest/config.
  const blobsDir = join(s.root, `blobs/sha256`);
  const before = readdirSync(blobsDir);
  tt.true(before.length > 0);
  // Remove every blob but the image's manifest and config: layers must be regenerated.
  const keep = new Set([insp.Id, insp.Digest.slice(7)]);
  for (const b of before) if (!keep.has(b) && !b.startsWith(`.`)) unlinkSync(join(blobsDir, b));
  const dest = `${REGISTRY}/tspodtest/regen:${tag}`;
  const p = await t([`push`, `--tls-verify=false`, `regen`, dest]);
  tt.is(p.code, 0, p.stderr);
  tt.is((await t([`rm`, `p2`])).code, 0);
  tt.is((await t([`rmi`, `-f`, `regen`])).code, 0);
  const pull = await t([`pull`, `--tls-verify=false`, dest]);
  tt.is(pull.code, 0, pull.stderr);
  const run = await t([`run`, `--rm`, dest, `sh`, `-c`, `cat /d/f; test -e /etc/motd || echo nomotd; cat /etc/alpine-release`]);
  tt.is(run.stdout.trim(), `again\nnomotd\n3.20.3`, run.stderr);
});

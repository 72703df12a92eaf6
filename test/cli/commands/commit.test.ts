// `commit` end to end as the unprivileged test user: the container's changes (new
// files with their owners, deletions as whiteouts, a replaced directory as opaque)
// become one new layer, the init files (/etc/hosts, resolv.conf, hostname) do not,
// --change/-m/-a land in the config, and the new image runs with the changes.
import test from 'ava';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';
import {pulledStore} from '../../_helpers/pulledStore';
import {SEEDED} from '../../_helpers/registry';

const ALPINE = SEEDED.alpine;
const fx = pulledStore(ALPINE);
const t = fx.t;

/** Entries of the top layer of `image` (via save), with numeric owners. */
function topLayer(image: string, archive: string): Promise<Array<string>> {
  return t([`save`, `-o`, archive, image]).then(r => {
    if (r.code !== 0) throw new Error(r.stderr);
    const m = JSON.parse(spawnSync(`tar`, [`-xOf`, archive, `manifest.json`], {encoding: `utf8`}).stdout);
    const layers: Array<string> = m[0].Layers;
    const x = spawnSync(`sh`, [`-c`, `tar -xOf "$1" "$2" | tar -tvf - --numeric-owner`, `sh`, archive, layers[layers.length - 1]!], {encoding: `utf8`});
    return x.stdout.trim().split(`\n`);
  });
}

test(`commit a stopped container: changes, owners, whiteouts, opaque dirs; no init files`, async tt => {
  const c = await t([`run`, `--name`, `c1`, `--hostname`, `myhost`, ALPINE, `sh`, `-c`,
    `echo data > /root/f && chown 4321:8765 /root/f && rm /etc/motd && rm -rf /etc/apk && mkdir /etc/apk && touch /etc/apk/only && cat /etc/hostname`]);
  tt.is(c.code, 0, c.stderr);
  tt.is(c.stdout.trim(), `myhost`);
  const r = await t([`commit`, `-m`, `my message`, `-a`, `Ann Author`, `--change`, `CMD ["cat","/root/f"]`, `--change`, `ENV=X=1`, `c1`, `committed:v1`]);
  tt.is(r.code, 0, r.stderr);
  tt.regex(r.stdout.trim(), /^[0-9a-f]{64}$/);
  const entries = await topLayer(`committed:v1`, join(fx.dir, `c.tar`));
  const has = (suffix: string) => entries.find(e => e.endsWith(` ${suffix}`));
  tt.regex(has(`root/f`) ?? ``, /4321\/8765/, entries.join(`\n`));
  tt.truthy(has(`etc/.wh.motd`), `deleted file → whiteout`);
  tt.truthy(has(`etc/apk/.wh..wh..opq`), `replaced dir → opaque`);
  tt.truthy(has(`etc/apk/only`));
  for (const f of [`etc/hosts`, `etc/resolv.conf`, `etc/hostname`, `run/.containerenv`]) tt.falsy(has(f), `${f} is not committed`);
  const insp = (await fx.s.json([`image`, `inspect`, `committed:v1`], {env: fx.env}))[0];
  tt.is(insp.Author, `Ann Author`);
  tt.true(insp.Config.Env.includes(`X=1`));
  tt.is(insp.RootFS.Layers.length, 2);
  const hist = (await fx.s.json([`history`, `--format`, `json`, `committed:v1`], {env: fx.env}));
  tt.truthy(JSON.stringify(hist).includes(`my message`));
  // The new image runs with the changes (and /etc/apk holds only the new file).
  const run = await t([`run`, `--rm`, `committed:v1`]);
  tt.is(run.stdout.trim(), `data`, run.stderr);
  const run2 = await t([`run`, `--rm`, `committed:v1`, `sh`, `-c`, `ls /etc/apk; test -e /etc/motd || echo nomotd; stat -c %u:%g /root/f; echo $X`]);
  tt.is(run2.stdout.trim(), `only\nnomotd\n4321:8765\n1`, run2.stderr);
});

test(`commit carries the container's own settings: command, env, user, workdir, labels; --change wins`, async tt => {
  const c = await t([`run`, `--name`, `c3`, `-e`, `FOO=bar`, `-w`, `/tmp`, `-u`, `nobody`, `--label`, `made=by-run`, ALPINE, `sh`, `-c`, `echo $FOO $(id -un) $(pwd)`]);
  tt.is(c.code, 0, c.stderr);
  tt.is((await t([`commit`, `c3`, `settings:v1`])).code, 0);
  const cfg = (await fx.s.json([`image`, `inspect`, `settings:v1`], {env: fx.env}))[0].Config;
  tt.deepEqual(cfg.Cmd, [`sh`, `-c`, `echo $FOO $(id -un) $(pwd)`]);
  tt.true(cfg.Env.includes(`FOO=bar`), JSON.stringify(cfg.Env));
  tt.false(cfg.Env.some((e: string) => e.startsWith(`HOSTNAME=`)), JSON.stringify(cfg.Env));
  tt.is(cfg.User, `nobody`);
  tt.is(cfg.WorkingDir, `/tmp`);
  tt.is(cfg.Labels?.made, `by-run`);
  // Run with no command: the container's command, env, user and directory.
  tt.is((await t([`run`, `--rm`, `settings:v1`])).stdout.trim(), `bar nobody /tmp`);
  tt.is((await t([`commit`, `--change`, `CMD ["echo","changed"]`, `--change`, `USER root`, `c3`, `settings:v2`])).code, 0);
  tt.is((await t([`run`, `--rm`, `settings:v2`])).stdout.trim(), `changed`);
});

test(`commit a running container; commit without a name; unknown container`, async tt => {
  const c = await t([`run`, `-d`, `--name`, `c2`, ALPINE, `sh`, `-c`, `echo live > /live; sleep 30`]);
  tt.is(c.code, 0, c.stderr);
  let ok = false;
  for (let i = 0; i < 100 && !ok; i++) {
    const e = await t([`exec`, `c2`, `cat`, `/live`]);
    ok = e.stdout.trim() === `live`;
    if (!ok) await new Promise(res => setTimeout(res, 50));
  }
  const r = await t([`commit`, `--pause`, `c2`, `live:1`]);
  tt.is(r.code, 0, r.stderr);
  tt.is((await t([`run`, `--rm`, `live:1`, `cat`, `/live`])).stdout.trim(), `live`);
  const anon = await t([`commit`, `c2`]);
  tt.is(anon.code, 0, anon.stderr);
  const img = (await fx.s.json([`image`, `inspect`, anon.stdout.trim()], {env: fx.env}))[0];
  tt.deepEqual(img.RepoTags ?? [], []);
  const bad = await t([`commit`, `nope`, `x`]);
  tt.not(bad.code, 0);
  tt.regex(bad.stderr, /no container with name or ID "nope"/);
});

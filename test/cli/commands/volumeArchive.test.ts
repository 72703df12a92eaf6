// `volume export` and `volume import`: a volume's files through a tar, with the owners the
// containers see (packed and unpacked in the user namespace); a hostile tar is refused.
import test from 'ava';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {pulledStore} from '../../_helpers/pulledStore';
import {SEEDED} from '../../_helpers/registry';

const ALPINE = SEEDED.alpine;
const fx = pulledStore(ALPINE);
const t = fx.t;

test.serial(`export then import: the files and their owners travel; a mounted-from-elsewhere volume has nothing to export`, async tt => {
  tt.is((await t([`volume`, `create`, `src`])).code, 0);
  // podman's inspect: MountCount, NeedsCopyUp while empty, and the fields its JSON omits when false.
  const fresh = await t([`volume`, `inspect`, `--format`, `{{.MountCount}} {{.NeedsCopyUp}} {{.NeedsChown}} {{.Anonymous}}`, `src`]);
  tt.is(fresh.stdout, `0 true false false\n`, fresh.stderr);
  tt.false(`Anonymous` in JSON.parse((await t([`volume`, `inspect`, `src`])).stdout)[0]);
  const w = await t([`run`, `--rm`, `--network`, `none`, `-v`, `src:/d`, ALPINE, `sh`, `-c`, `mkdir /d/sub && echo one > /d/sub/f && echo secret > /d/s && chmod 600 /d/s && chown -R 1000:1001 /d/sub /d/s`]);
  tt.is(w.code, 0, w.stderr);
  tt.is((await t([`volume`, `inspect`, `--format`, `{{.NeedsCopyUp}}`, `src`])).stdout, `false\n`, `not empty any more`);
  const tar = join(fx.dir, `src.tar`);
  const ex = await t([`volume`, `export`, `-o`, tar, `src`]);
  tt.is(ex.code, 0, ex.stderr);
  const listing = execFileSync(`tar`, [`-tvf`, tar, `--numeric-owner`], {encoding: `utf8`});
  tt.regex(listing, /^-rw------- 1000\/1001 .* (\.\/)?s$/m, listing);
  tt.regex(listing, /^-rw-r--r-- 1000\/1001 .* (\.\/)?sub\/f$/m, listing);
  tt.is((await t([`volume`, `create`, `dst`])).code, 0);
  const im = await t([`volume`, `import`, `dst`, tar]);
  tt.is(im.code, 0, im.stderr);
  const r = await t([`run`, `--rm`, `--network`, `none`, `-v`, `dst:/d`, ALPINE, `sh`, `-c`, `cat /d/sub/f /d/s; stat -c '%u:%g %a' /d/sub/f /d/s`]);
  tt.is(r.stdout, `one\nsecret\n1000:1001 644\n1000:1001 600\n`, r.stderr);
  // From stdin too.
  tt.is((await t([`volume`, `create`, `dst2`])).code, 0);
  const piped = await fx.s.run([`volume`, `import`, `dst2`, `-`], {env: fx.env, input: execFileSync(`cat`, [tar])});
  tt.is(piped.code, 0, piped.stderr);
  tt.is((await t([`run`, `--rm`, `--network`, `none`, `-v`, `dst2:/d`, ALPINE, `cat`, `/d/sub/f`])).stdout, `one\n`);
  tt.is((await t([`volume`, `create`, `--opt`, `type=tmpfs`, `--opt`, `device=tmpfs`, `tv`])).code, 0);
  const none = await t([`volume`, `export`, `-o`, join(fx.dir, `tv.tar`), `tv`]);
  tt.is(none.code, 125);
  tt.regex(none.stderr, /mounted from elsewhere/);
  tt.is((await t([`volume`, `import`, `nosuch`, tar])).code, 125);
  tt.regex((await t([`volume`, `import`, `dst`, join(fx.dir, `missing.tar`)])).stderr, /no such file/);
  await t([`volume`, `rm`, `-f`, `src`, `dst`, `dst2`, `tv`]);
});

test.serial(`import refuses a tar whose entries would land outside the volume`, async tt => {
  tt.is((await t([`volume`, `create`, `hostile`])).code, 0);
  const dir = join(fx.dir, `evil`);
  mkdirSync(join(dir, `a`), {recursive: true});
  writeFileSync(join(dir, `escaped`), `x`);
  const tar = join(fx.dir, `evil.tar`);
  // An entry named a/../../escaped climbs out of the volume's directory.
  execFileSync(`tar`, [`-cf`, tar, `-C`, dir, `--transform`, `s,^escaped$,a/../../escaped,`, `escaped`]);
  const r = await t([`volume`, `import`, `hostile`, tar]);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /^Error: cannot copy into volume hostile: entry "a\/\.\.\/\.\.\/escaped" points outside the destination/);
  const volumes = join(fx.s.root, `volumes`);
  tt.false(existsSync(join(volumes, `escaped`)), `nothing written beside the volume's directory`);
  tt.false(existsSync(join(volumes, `hostile`, `escaped`)));
  await t([`volume`, `rm`, `-f`, `hostile`]);
});

// An image's VOLUMEs end to end, as the unprivileged test user: each becomes an
// anonymous volume that gets the image's content there (owners, modes, times, symlinks)
// at the container's first start, as podman does; named volumes get it too while empty;
// a user's mount on the path wins; `rm -v` and `--rm` remove the anonymous volume, plain
// `rm` keeps it; --image-volume tmpfs|ignore.
import test from 'ava';
import {existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, chmodSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const IMAGE = `localhost/volimg:1`;

// /data: owned 1000:1001, a 0750 sub-directory, a dated file, a fifo, and symlinks
// (one to the container's root, one to a file) with their own owner.
const CONTENT = [
  `mkdir -p /data/sub`, `echo hello > /data/sub/f`, `ln -s / /data/rootlink`, `ln -s /etc/shadow /data/link`,
  `mkfifo /data/fifo`, `chown -R 1000:1001 /data`, `chown -h 1002:1003 /data/link`, `chmod 0750 /data/sub`,
  `touch -d '2001-02-03 04:05:06' /data/sub/f`,
].join(` && `);

const pulled = pulledStore(ALPINE, async p => {
  const src = await p.t([`run`, `--name`, `volsrc`, ALPINE, `sh`, `-c`, CONTENT]);
  if (src.code !== 0) throw new Error(`volsrc: ${src.stderr}`);
  const c = await p.t([`commit`, `--change`, `VOLUME /data`, `volsrc`, IMAGE]);
  if (c.code !== 0) throw new Error(`commit: ${c.stderr}`);
  await p.t([`rm`, `volsrc`]);
});
const {t} = pulled;

/** The anonymous volumes in the store (64 hex digits), from `volume ls`. */
async function anonymous(): Promise<Array<string>> {
  const ls = await pulled.s.json([`volume`, `ls`, `--format`, `json`], {env: pulled.env}) as Array<{Name: string}>;
  return ls.map(v => v.Name).filter(n => /^[0-9a-f]{64}$/.test(n)).sort();
}

const STAT = `stat -c '%u:%g %a' /data /data/sub /data/sub/f; stat -c %u:%g /data/link; readlink /data/link; readlink /data/rootlink; cat /data/sub/f; stat -c %Y /data/sub/f; test -p /data/fifo && echo fifo; grep -c ' /data ' /proc/mounts`;
const COPIED = `1000:1001 755\n1000:1001 750\n1000:1001 644\n1002:1003\n/etc/shadow\n/\nhello\n981173106\nfifo\n1\n`;

test.serial(`an image VOLUME becomes an anonymous volume with the image's content, owners and modes; inspect shows it; plain rm keeps it`, async tt => {
  const before = await anonymous();
  const r = await t([`run`, `--name`, `iv1`, IMAGE, `sh`, `-c`, `${STAT}; echo new > /data/new`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout, COPIED);
  const after = await anonymous();
  tt.is(after.length, before.length + 1);
  const name = after.find(n => !before.includes(n))!;
  const [info] = await pulled.s.json([`inspect`, `iv1`], {env: pulled.env});
  const mounts = (info.Mounts as Array<Record<string, unknown>>).filter(m => m.Destination === `/data`);
  tt.is(mounts.length, 1);
  tt.like(mounts[0], {Type: `volume`, Name: name, Destination: `/data`, RW: true, Driver: `local`, Source: join(pulled.s.root, `volumes`, name, `_data`)});
  tt.true((info.HostConfig.Binds as Array<string>).includes(`${name}:/data`));
  // On the host: the copy's symlinks are symlinks (never followed), the write is in the volume.
  const [vol] = await pulled.s.json([`volume`, `inspect`, name], {env: pulled.env});
  tt.like(vol, {Name: name, Anonymous: true, Mountpoint: join(pulled.s.root, `volumes`, name, `_data`)});
  const data = join(pulled.s.root, `volumes`, name, `_data`);
  tt.true(lstatSync(join(data, `rootlink`)).isSymbolicLink());
  tt.is(readFileSync(join(data, `new`), `utf8`), `new\n`);
  // Plain rm keeps the anonymous volume (podman); its content stays.
  tt.is((await t([`rm`, `iv1`])).code, 0);
  tt.deepEqual(await anonymous(), after);
  tt.true(existsSync(join(data, `new`)));
  tt.is((await t([`volume`, `rm`, name])).code, 0);
});

test.serial(`rm -v and run --rm remove the image's anonymous volume; create makes it, start fills it once`, async tt => {
  const before = await anonymous();
  tt.is((await t([`run`, `--rm`, IMAGE, `sh`, `-c`, `cat /data/sub/f`])).stdout, `hello\n`);
  tt.deepEqual(await anonymous(), before);
  const c = await t([`create`, `--name`, `iv2`, IMAGE, `sh`, `-c`, `cat /data/sub/f; echo again >> /data/sub/f`]);
  tt.is(c.code, 0, c.stderr);
  tt.is((await anonymous()).length, before.length + 1);
  const first = await t([`start`, `-a`, `iv2`]);
  tt.is(first.code, 0, first.stderr);
  tt.is(first.stdout, `hello\n`);
  // A restart finds the volume filled: the container's own change is kept, nothing copied over it.
  tt.is((await t([`start`, `-a`, `iv2`])).stdout, `hello\nagain\n`);
  tt.is((await t([`rm`, `-v`, `iv2`])).code, 0);
  tt.deepEqual(await anonymous(), before);
});

test.serial(`a detached run copies too`, async tt => {
  const r = await t([`run`, `-d`, `--name`, `iv3`, IMAGE, `sh`, `-c`, STAT]);
  tt.is(r.code, 0, r.stderr);
  tt.is((await t([`wait`, `iv3`])).stdout.trim(), `0`);
  tt.is((await t([`logs`, `iv3`])).stdout, COPIED);
  tt.is((await t([`rm`, `-v`, `iv3`])).code, 0);
});

test.serial(`a named volume on the path is filled only while empty, and not again over changed content; nocopy leaves it empty`, async tt => {
  const v = `ivnamed-${process.pid}`;
  const before = await anonymous();
  const a = await t([`run`, `--rm`, `-v`, `${v}:/data`, IMAGE, `sh`, `-c`, `stat -c %u:%g /data/sub/f; echo changed > /data/sub/f; rm /data/link`]);
  tt.is(a.code, 0, a.stderr);
  tt.is(a.stdout, `1000:1001\n`);
  const b = await t([`run`, `--rm`, `-v`, `${v}:/data`, IMAGE, `sh`, `-c`, `cat /data/sub/f; ls /data`]);
  tt.is(b.stdout, `changed\nfifo\nrootlink\nsub\n`);
  // The user's volume wins: no anonymous volume for /data.
  tt.deepEqual(await anonymous(), before);
  const n = await t([`run`, `--rm`, `-v`, `${v}-nc:/data:nocopy`, `--mount`, `type=volume,source=${v}-nc2,target=/d2,volume-nocopy`, IMAGE, `sh`, `-c`, `ls -A /data /d2 | wc -l`]);
  tt.is(n.code, 0, n.stderr);
  tt.is(n.stdout.trim(), `3`, `only the two headers and the blank line between: both empty`);
  for (const x of [v, `${v}-nc`, `${v}-nc2`]) await t([`volume`, `rm`, x]);
});

test.serial(`a bind mount or --tmpfs on the path wins; --image-volume tmpfs and ignore`, async tt => {
  const before = await anonymous();
  const host = mkdtempSync(join(pulled.dir, `bind-`));
  chmodSync(host, 0o755);
  writeFileSync(join(host, `mine`), `host\n`);
  const b = await t([`run`, `--rm`, `-v`, `${host}:/data`, IMAGE, `sh`, `-c`, `ls /data`]);
  tt.is(b.stdout, `mine\n`, b.stderr);
  const tf = await t([`run`, `--rm`, `--tmpfs`, `/data`, IMAGE, `sh`, `-c`, `ls -A /data | wc -l`]);
  tt.is(tf.stdout.trim(), `0`, tf.stderr);
  const tm = await t([`run`, `--rm`, `--image-volume`, `tmpfs`, IMAGE, `sh`, `-c`, `grep ' /data ' /proc/mounts | cut -d' ' -f3; ls -A /data | wc -l; touch /data/x`]);
  tt.is(tm.code, 0, tm.stderr);
  tt.is(tm.stdout, `tmpfs\n0\n`);
  const ig = await t([`run`, `--rm`, `--image-volume`, `ignore`, IMAGE, `sh`, `-c`, `grep -c ' /data ' /proc/mounts; cat /data/sub/f`]);
  tt.is(ig.stdout, `0\nhello\n`);
  tt.deepEqual(await anonymous(), before);
  tt.deepEqual(readdirSync(host), [`mine`]);
  const bad = await t([`run`, `--rm`, `--image-volume`, `copy`, IMAGE, `true`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /^Error: invalid --image-volume "copy": want bind, tmpfs or ignore/);
});

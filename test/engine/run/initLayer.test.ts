import test from 'ava';
import {mkdtempSync, readFileSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {hostsFile, resolvConf, passwdWith, writeInitLayer} from '../../../src/engine/run/initLayer';
import {VolumeStore} from '../../../src/engine/run/volumes';
import {TspodError} from '../../../src/engine/errors';

test(`hosts names the container; resolv.conf drops loopback servers`, t => {
  t.regex(hostsFile(`h`, `n`), /^127\.0\.0\.1\th n$/m);
  t.regex(hostsFile(`h`, `h`), /^127\.0\.0\.1\th$/m);
  t.is(resolvConf(`nameserver 127.0.0.53\nnameserver 10.0.0.1\nsearch x\n`), `nameserver 10.0.0.1\nsearch x\n`);
  t.is(resolvConf(undefined), ``);
});

test(`passwdWith adds the keep-id user once`, t => {
  const base = `root:x:0:0:root:/root:/bin/sh\n`;
  t.is(passwdWith(base, {name: `me`, uid: 1001, gid: 1001, home: `/home/me`, shell: `/bin/sh`}), `${base}me:*:1001:1001::/home/me:/bin/sh\n`);
  t.is(passwdWith(base, {name: `root2`, uid: 0, gid: 0, home: `/`, shell: `/bin/sh`}), undefined);
});

test(`writeInitLayer writes the files apart, for bind mounts`, async t => {
  const dir = mkdtempSync(join(tmpdir(), `init-`));
  const files = await writeInitLayer(dir, {id: `a`.repeat(64), name: `n`, hostname: `h`, image: `alpine`, imageId: `b`.repeat(64), hostResolvConf: `nameserver 1.1.1.1\n`});
  t.deepEqual(Object.keys(files).sort(), [`/etc/hostname`, `/etc/hosts`, `/etc/resolv.conf`, `/run/.containerenv`]);
  t.is(readFileSync(files[`/etc/hostname`]!, `utf8`), `h\n`);
  t.is(readFileSync(files[`/run/.containerenv`]!, `utf8`), ``, `podman leaves it empty unless --privileged`);
  const priv = await writeInitLayer(mkdtempSync(join(tmpdir(), `init-`)), {id: `a`.repeat(64), name: `n`, hostname: `h`, image: `localhost/alpine:latest`, imageId: `b`.repeat(64), privileged: true, hostResolvConf: undefined});
  t.regex(readFileSync(priv[`/run/.containerenv`]!, `utf8`), /^engine="tspod-[^"]+"\nname="n"\nid="a{64}"\nimage="localhost\/alpine:latest"\nimageid="b{64}"\nrootless=1\n$/);
  for (const p of Object.values(files)) t.true(p.startsWith(dir));
});

test(`volume store: create, existOk, list, remove`, async t => {
  const root = mkdtempSync(join(tmpdir(), `vols-`));
  const vs = new VolumeStore(root);
  const {volume, created} = await vs.create(`data`);
  t.true(created);
  t.is(volume.Mountpoint, join(root, `volumes/data/_data`));
  t.true(existsSync(volume.Mountpoint));
  t.false((await vs.create(`data`, {existOk: true})).created);
  const dup = await t.throwsAsync(vs.create(`data`), {instanceOf: TspodError});
  t.regex(dup!.message, /already exists/);
  const anon = await vs.create(undefined);
  t.true(anon.volume.Anonymous);
  t.deepEqual((await vs.list()).map(v => v.Name).sort(), [anon.volume.Name, `data`].sort());
  await vs.remove(`data`, async () => {});
  t.is(await vs.get(`data`), undefined);
  await t.throwsAsync(vs.remove(`nope`, async () => {}), {message: /no volume with name "nope"/});
});

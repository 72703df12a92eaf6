import test from 'ava';
import {mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {authFiles, checkAuthKey, credentialsFor, getCredentials, normalizeAuthKey, removeAllCredentials, removeCredentials, setCredentials} from '../../src/config/authFile';

function tree() {
  const dir = mkdtempSync(join(tmpdir(), `tspod-auth-`));
  const paths = {runtimeDir: join(dir, `run`), userContainersConfig: join(dir, `config/containers`), home: join(dir, `home`)};
  return {dir, paths, cleanup: () => rmSync(dir, {recursive: true, force: true})};
}
const b64 = (s: string) => Buffer.from(s).toString(`base64`);

test(`paths follow podman; --authfile and REGISTRY_AUTH_FILE replace them`, t => {
  const tr = tree();
  const f = authFiles({}, tr.paths);
  t.deepEqual(f.read, [join(tr.dir, `run/containers/auth.json`), join(tr.dir, `config/containers/auth.json`), join(tr.dir, `home/.docker/config.json`)]);
  t.is(f.write, join(tr.dir, `run/containers/auth.json`));
  t.deepEqual(authFiles({REGISTRY_AUTH_FILE: `/a.json`}, tr.paths), {read: [`/a.json`], write: `/a.json`});
  t.deepEqual(authFiles({REGISTRY_AUTH_FILE: `/a.json`}, tr.paths, `/b.json`), {read: [`/b.json`], write: `/b.json`});
  tr.cleanup();
});

test(`write atomically with mode 0600, read back, most specific key first`, async t => {
  const tr = tree();
  const f = authFiles({}, tr.paths);
  await setCredentials(f.write, `127.0.0.1:5000`, {username: `u`, password: `p:w`});
  await setCredentials(f.write, `127.0.0.1:5000/team/app`, {username: `team`, password: `t`});
  t.is(statSync(f.write).mode & 0o777, 0o600);
  t.deepEqual(readdirSync(join(tr.dir, `run/containers`)), [`auth.json`]);
  const json = JSON.parse(readFileSync(f.write, `utf8`));
  t.is(json.auths[`127.0.0.1:5000`].auth, b64(`u:p:w`));
  t.like(await getCredentials(f, `127.0.0.1:5000/library/x`), {username: `u`, password: `p:w`, key: `127.0.0.1:5000`});
  t.like(await getCredentials(f, `127.0.0.1:5000/team/app`), {username: `team`, key: `127.0.0.1:5000/team/app`});
  t.is(await getCredentials(f, `quay.io`), undefined);
  tr.cleanup();
});

test(`falls back to the config dir and ~/.docker/config.json, with docker's key forms`, async t => {
  const tr = tree();
  mkdirSync(join(tr.dir, `home/.docker`), {recursive: true});
  writeFileSync(join(tr.dir, `home/.docker/config.json`), JSON.stringify({auths: {'https://index.docker.io/v1/': {auth: b64(`hub:pw`)}, 'http://old.example.com/v1/': {auth: b64(`o:p`)}}, credsStore: `desktop`}));
  const f = authFiles({}, tr.paths);
  t.like(await getCredentials(f, `docker.io/library/alpine`), {username: `hub`, password: `pw`});
  t.like(await getCredentials(f, `old.example.com`), {username: `o`});
  mkdirSync(join(tr.dir, `config/containers`), {recursive: true});
  writeFileSync(join(tr.dir, `config/containers/auth.json`), JSON.stringify({auths: {'docker.io': {auth: b64(`mine:x`)}}}));
  t.like(await getCredentials(f, `docker.io`), {username: `mine`});
  tr.cleanup();
});

test(`logout one and all; other top-level keys survive`, async t => {
  const tr = tree();
  const file = join(tr.dir, `a.json`);
  writeFileSync(file, JSON.stringify({auths: {'a.io': {auth: b64(`a:1`)}, 'b.io': {auth: b64(`b:2`)}}, credHelpers: {'c.io': `x`}}));
  t.true(await removeCredentials(file, `a.io`));
  t.false(await removeCredentials(file, `a.io`));
  t.deepEqual(Object.keys(JSON.parse(readFileSync(file, `utf8`)).auths), [`b.io`]);
  await removeAllCredentials(file);
  const j = JSON.parse(readFileSync(file, `utf8`));
  t.deepEqual(j.auths, {});
  t.deepEqual(j.credHelpers, {'c.io': `x`});
  tr.cleanup();
});

test(`malformed files and keys are refused clearly`, async t => {
  const tr = tree();
  const file = join(tr.dir, `bad.json`);
  writeFileSync(file, `{nope`);
  await t.throwsAsync(getCredentials({read: [file], write: file}, `x.io`), {message: new RegExp(`^invalid auth file ${file}: `)});
  writeFileSync(file, JSON.stringify({auths: {'x.io': {auth: b64(`nocolon`)}}}));
  await t.throwsAsync(getCredentials({read: [file], write: file}, `x.io`), {message: /invalid auth entry for x\.io .*not base64 of user:password/});
  t.is(checkAuthKey(`https://quay.io`), `quay.io`);
  t.is(normalizeAuthKey(`registry-1.docker.io`), `docker.io`);
  t.throws(() => checkAuthKey(`a b`), {message: /invalid registry/});
  t.throws(() => checkAuthKey(`host:abc`), {message: /invalid registry/});
  tr.cleanup();
});

test(`credentialsFor: the synchronous lookup used by pull`, async t => {
  const tr = tree();
  const f = authFiles({}, tr.paths);
  t.is(credentialsFor({}, tr.paths, `127.0.0.1:5000`), undefined);
  await setCredentials(f.write, `127.0.0.1:5000`, {username: `u`, password: `p`});
  t.deepEqual(credentialsFor({}, tr.paths, `127.0.0.1:5000`), {username: `u`, password: `p`});
  t.deepEqual(credentialsFor({}, tr.paths, `127.0.0.1:5000/a/b`), {username: `u`, password: `p`});
  t.is(credentialsFor({}, tr.paths, `127.0.0.1:5000`, join(tr.dir, `other.json`)), undefined);
  tr.cleanup();
});

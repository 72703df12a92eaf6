// login/logout against a real registry with htpasswd auth over TLS.
import test from 'ava';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {getLogin, login, logout} from '../../src/image/login';
import {resolvePaths} from '../../src/config/paths';
import {makeCertsDir, makePki, PASSWORD, startTlsBasicRegistry, USER} from '../_helpers/registryServers';
import type {Registry} from '../_helpers/registryServers';

let pki: ReturnType<typeof makePki>;
let reg: Registry;
let certsD: string;
/** podman's --cert-dir: the directory that holds the CA itself. */
let certDir: string;
const dir = mkdtempSync(join(tmpdir(), `tspod-login-`));
const env = {HOME: join(dir, `home`), XDG_RUNTIME_DIR: join(dir, `run`), XDG_CONFIG_HOME: join(dir, `config`), CONTAINERS_REGISTRIES_CONF: join(dir, `none.conf`)};
const le = {env, paths: resolvePaths(env)};
const authJson = join(dir, `run/containers/auth.json`);

test.before(async () => {
  pki = makePki();
  reg = await startTlsBasicRegistry(pki);
  certsD = makeCertsDir(pki.caCrt, reg.address);
  certDir = join(certsD, reg.address);
});
test.after.always(async () => {
  await reg?.stop();
  pki?.cleanup();
  rmSync(dir, {recursive: true, force: true});
  if (certsD) rmSync(certsD, {recursive: true, force: true});
});

test.serial(`wrong password: refused and nothing stored`, async t => {
  const err = await t.throwsAsync(login(le, {registry: reg.address, username: USER, password: `wrong`, certDir}));
  t.is(err!.message, `authentication to ${reg.address} failed: invalid username or password`);
  t.false(existsSync(authJson));
});

test.serial(`untrusted certificate: refused with the fix`, async t => {
  const err = await t.throwsAsync(login(le, {registry: reg.address, username: USER, password: PASSWORD}));
  t.regex(err!.message, /^x509: .*use --tls-verify=false or add the CA to certs\.d\//);
});

test.serial(`login, get-login, logout, logout --all`, async t => {
  const r = await login(le, {registry: reg.address, username: USER, password: PASSWORD, certDir});
  t.is(r.file, authJson);
  const json = JSON.parse(readFileSync(authJson, `utf8`));
  t.is(json.auths[reg.address].auth, Buffer.from(`${USER}:${PASSWORD}`).toString(`base64`));
  t.is(await getLogin(le, {registry: reg.address}), USER);
  await login(le, {registry: `${reg.address}/team/app`, username: USER, password: PASSWORD, tlsVerify: false});
  t.deepEqual((await logout(le, {registry: reg.address})).removed, [reg.address]);
  await t.throwsAsync(logout(le, {registry: reg.address}), {message: `not logged into ${reg.address}`});
  t.is(await getLogin(le, {registry: `${reg.address}/team/app`}), USER);
  await logout(le, {all: true});
  await t.throwsAsync(getLogin(le, {registry: `${reg.address}/team/app`}), {message: `not logged into ${reg.address}/team/app`});
});

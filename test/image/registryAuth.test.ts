// Registry authentication against real docker-registry instances: htpasswd basic
// auth over TLS with a test CA in certs.d, and bearer tokens from a token server.
import test from 'ava';
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {loadCertsDir} from '../../src/image/http';
import {Readable} from 'node:stream';
import {RegistryClient} from '../../src/image/registry';
import {parseChallenges} from '../../src/image/registryAuth';
import {isTspodError} from '../../src/engine/errors';
import {sha256Of} from '../../src/oci/digest';
import type {Digest} from '../../src/oci/digest';
import {MediaType} from '../../src/oci/image';
import {makeCertsDir, makeClientCert, makePki, PASSWORD, startTlsBasicRegistry, startTokenRegistry, USER} from '../_helpers/registryServers';
import type {Registry, TokenServer} from '../_helpers/registryServers';

let pki: ReturnType<typeof makePki>;
let tlsReg: Registry;
let certsDir: string;
let tokenReg: Registry;
let tokens: TokenServer;
const creds = {username: USER, password: PASSWORD};

test.before(async () => {
  pki = makePki();
  tlsReg = await startTlsBasicRegistry(pki);
  certsDir = makeCertsDir(pki.caCrt, tlsReg.address);
  ({registry: tokenReg, tokens} = await startTokenRegistry(pki));
});
test.after.always(async () => {
  await tlsReg?.stop();
  await tokenReg?.stop();
  await tokens?.stop();
  pki?.cleanup();
  if (certsDir) rmSync(certsDir, {recursive: true, force: true});
});

async function pushSmall(c: RegistryClient, repo: string, tag: string): Promise<Digest> {
  const blob = Buffer.from(`layer for ${repo}`);
  const config = Buffer.from(JSON.stringify({architecture: `amd64`, os: `linux`, rootfs: {type: `layers`, diff_ids: [sha256Of(blob)]}}));
  await c.pushBlob(repo, sha256Of(blob), () => Readable.from([blob]), blob.length);
  await c.pushBlob(repo, sha256Of(config), () => Readable.from([config]), config.length);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: MediaType.ociManifest,
    config: {mediaType: MediaType.ociConfig, digest: sha256Of(config), size: config.length},
    layers: [{mediaType: MediaType.ociLayer, digest: sha256Of(blob), size: blob.length}],
  }));
  return c.putManifest(repo, tag, MediaType.ociManifest, manifest);
}

test(`challenge parsing`, t => {
  t.deepEqual(parseChallenges(`Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"`), [
    {scheme: `bearer`, params: {realm: `https://auth.example/token`, service: `registry.example`, scope: `repository:a/b:pull,push`}},
  ]);
  t.deepEqual(parseChallenges(`Basic realm="x y"`), [{scheme: `basic`, params: {realm: `x y`}}]);
  t.deepEqual(parseChallenges([`Basic realm=r`, `Bearer realm="u", service=s`]).map(c => c.scheme), [`basic`, `bearer`]);
  t.deepEqual(parseChallenges(`Basic realm="a", Bearer realm="b"`).map(c => [c.scheme, c.params.realm]), [[`basic`, `a`], [`bearer`, `b`]]);
});

test(`TLS + basic auth: CA from certs.d, push and pull with credentials`, async t => {
  const c = new RegistryClient(tlsReg.address, {certsDirs: [certsDir], credentials: creds});
  await c.checkLogin();
  const digest = await pushSmall(c, `basic/img`, `v1`);
  const m = await c.getManifest(`basic/img`, `v1`);
  t.is(m.digest, digest);
  t.deepEqual(await c.listTags(`basic/img`), [`v1`]);
  c.close();
});

test(`TLS: unknown CA is an x509 error that says what to do`, async t => {
  const c = new RegistryClient(tlsReg.address, {credentials: creds});
  const err = await t.throwsAsync(c.ping());
  t.true(isTspodError(err, `Network`));
  t.regex(err!.message, /^x509: certificate for 127\.0\.0\.1:\d+ not trusted .*: use --tls-verify=false or add the CA to certs\.d\/127\.0\.0\.1:\d+\/ca\.crt$/);
});

test(`TLS: --tls-verify=false works without the CA`, async t => {
  const c = new RegistryClient(tlsReg.address, {tlsVerify: false, credentials: creds});
  await t.notThrowsAsync(c.checkLogin());
  c.close();
});

test(`basic auth: missing and wrong credentials`, async t => {
  const anon = new RegistryClient(tlsReg.address, {certsDirs: [certsDir]});
  const err = await t.throwsAsync(anon.getManifest(`basic/img`, `v1`));
  t.is(err!.message, `authentication required: run \`tspod login ${tlsReg.address}\``);
  const wrong = new RegistryClient(tlsReg.address, {certsDirs: [certsDir], credentials: {username: USER, password: `nope`}});
  const err2 = await t.throwsAsync(wrong.checkLogin());
  t.is(err2!.message, `authentication to ${tlsReg.address} failed: invalid username or password`);
  anon.close();
  wrong.close();
});

test.serial(`bearer tokens: fetched with credentials, cached per scope`, async t => {
  tokens.requests.length = 0;
  const c = new RegistryClient(tokenReg.address, {insecure: true, credentials: creds});
  const digest = await pushSmall(c, `tok/img`, `v1`);
  const pushTokenRequests = tokens.requests.length;
  t.true(pushTokenRequests >= 1);
  t.true(tokens.requests.every(r => r.user === USER));
  t.true(tokens.requests.some(r => r.scopes.includes(`repository:tok/img:pull,push`)));
  const m = await c.getManifest(`tok/img`, `v1`);
  t.is(m.digest, digest);
  await c.getManifest(`tok/img`, digest);
  await c.listTags(`tok/img`);
  // one more token for the pull scope, then cached
  t.is(tokens.requests.length, pushTokenRequests + 1);
  t.deepEqual(tokens.requests.at(-1)!.scopes, [`repository:tok/img:pull`]);
  c.close();
});

test.serial(`bearer tokens: access_token field, anonymous and wrong credentials`, async t => {
  tokens.field = `access_token`;
  try {
    const c = new RegistryClient(tokenReg.address, {insecure: true, credentials: creds});
    await pushSmall(c, `tok/other`, `v2`);
    t.is((await c.getManifest(`tok/other`, `v2`)).mediaType, MediaType.ociManifest);
    c.close();
  } finally {
    tokens.field = `token`;
  }
  const anon = new RegistryClient(tokenReg.address, {insecure: true});
  const err = await t.throwsAsync(anon.getManifest(`tok/other`, `v2`));
  t.is(err!.message, `authentication required: run \`tspod login ${tokenReg.address}\``);
  const wrong = new RegistryClient(tokenReg.address, {insecure: true, credentials: {username: USER, password: `bad`}});
  const err2 = await t.throwsAsync(wrong.getManifest(`tok/other`, `v2`));
  t.is(err2!.message, `authentication to ${tokenReg.address} failed: invalid username or password`);
  anon.close();
  wrong.close();
});

test(`client certificate from certs.d (*.cert + *.key)`, async t => {
  const own = makePki();
  const client = makeClientCert(own);
  const reg = await startTlsBasicRegistry(own, {clientCa: own.caCrt});
  const dir = makeCertsDir(own.caCrt, reg.address);
  try {
    const without = new RegistryClient(reg.address, {certsDirs: [dir], credentials: creds});
    const err = await t.throwsAsync(without.checkLogin());
    t.true(isTspodError(err, `Network`));
    t.regex(err!.message, /refused the TLS handshake: it wants a client certificate: put client.cert and client.key in certs.d\/127\.0\.0\.1:\d+\/$/);
    without.close();
    copyFileSync(client.cert, join(dir, reg.address, `client.cert`));
    copyFileSync(client.key, join(dir, reg.address, `client.key`));
    const withCert = new RegistryClient(reg.address, {certsDirs: [dir], credentials: creds});
    await t.notThrowsAsync(withCert.checkLogin());
    withCert.close();
  } finally {
    await reg.stop();
    own.cleanup();
    rmSync(dir, {recursive: true, force: true});
  }
});

test(`a client certificate without its key is refused clearly`, t => {
  const base = mkdtempSync(join(tmpdir(), `tspod-certs-`));
  mkdirSync(join(base, `h:1`));
  writeFileSync(join(base, `h:1`, `client.cert`), `x`);
  t.throws(() => loadCertsDir(`h:1`, [base]), {message: /missing key client\.key for client certificate/});
  t.deepEqual(loadCertsDir(`other:1`, [base]), {});
  rmSync(base, {recursive: true, force: true});
});

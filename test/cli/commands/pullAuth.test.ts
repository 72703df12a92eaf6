// pull, push and login through the CLI against real registries that demand
// credentials: htpasswd basic auth over TLS with the test CA in the user's certs.d,
// and bearer tokens from a token server. The image is the seeded busybox, pushed there
// first; every pull lands the same image ID as from the anonymous registry.
import test from 'ava';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {tempStore} from '../../_helpers/runCli';
import type {TempStore} from '../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {IDS} from '../../_helpers/imageEnv';
import {makePki, PASSWORD, startTlsBasicRegistry, startTokenRegistry, USER} from '../../_helpers/registryServers';
import type {Registry, TokenServer} from '../../_helpers/registryServers';

let pki: ReturnType<typeof makePki>;
let tlsReg: Registry;
let tokenReg: Registry;
let tokens: TokenServer;
let conf: string;
let s: TempStore;
const creds = `${USER}:${PASSWORD}`;

/** XDG_CONFIG_HOME with registries.conf (plain http for the seeded and token registries) and, optionally, the CA in certs.d. */
function configHome(withCa: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), `tspod-authconf-`));
  mkdirSync(join(dir, `containers`), {recursive: true});
  writeFileSync(join(dir, `containers/registries.conf`), [REGISTRY, tokenReg.address].map(r => `[[registry]]\nlocation = "${r}"\ninsecure = true\n`).join(`\n`));
  if (withCa) {
    mkdirSync(join(dir, `containers/certs.d`, tlsReg.address), {recursive: true});
    writeFileSync(join(dir, `containers/certs.d`, tlsReg.address, `ca.crt`), readFileSync(pki.caCrt));
  }
  return dir;
}

test.before(async () => {
  pki = makePki();
  tlsReg = await startTlsBasicRegistry(pki);
  ({registry: tokenReg, tokens} = await startTokenRegistry(pki));
  conf = configHome(true);
  s = tempStore();
  const r = await s.run([`pull`, `--tls-verify=false`, SEEDED.busyboxGlibc]);
  if (r.code !== 0) throw new Error(`pull: ${r.stderr}`);
});
test.after.always(async () => {
  s?.cleanup();
  await tlsReg?.stop();
  await tokenReg?.stop();
  await tokens?.stop();
  pki?.cleanup();
  if (conf) rmSync(conf, {recursive: true, force: true});
});

test.serial(`login --cert-dir: the CA read straight from that directory, as podman does`, async t => {
  const bare = configHome(false);
  const certs = mkdtempSync(join(tmpdir(), `tspod-certdir-`));
  t.teardown(() => { rmSync(bare, {recursive: true, force: true}); rmSync(certs, {recursive: true, force: true}); });
  writeFileSync(join(certs, `ca.crt`), readFileSync(pki.caCrt));
  const env = {XDG_CONFIG_HOME: bare};
  const authfile = join(bare, `auth.json`);
  const without = await s.run([`login`, `--authfile`, authfile, `-u`, USER, `--password-stdin`, tlsReg.address], {env, input: `${PASSWORD}\n`});
  t.is(without.code, 125, `no CA anywhere: the certificate is refused`);
  const withDir = await s.run([`login`, `--cert-dir`, certs, `--authfile`, authfile, `-u`, USER, `--password-stdin`, tlsReg.address], {env, input: `${PASSWORD}\n`});
  t.is(withDir.code, 0, withDir.stderr);
  // push and pull take the same --cert-dir.
  const dest = `${tlsReg.address}/certdir/busybox:v1`;
  t.is((await s.run([`push`, `--authfile`, authfile, SEEDED.busyboxGlibc, dest], {env})).code, 125, `no CA: refused`);
  const push = await s.run([`push`, `--cert-dir`, certs, `--authfile`, authfile, SEEDED.busyboxGlibc, dest], {env});
  t.is(push.code, 0, push.stderr);
  const pull = await s.run([`pull`, `-q`, `--cert-dir`, certs, `--authfile`, authfile, `--disable-content-trust`, dest], {env});
  t.is(pull.code, 0, pull.stderr);
});

test.serial(`TLS + basic auth: push needs a login; login --password-stdin, push, rmi, pull with the auth file`, async t => {
  const env = {XDG_CONFIG_HOME: conf};
  const dest = `${tlsReg.address}/basic/busybox:v1`;
  const authfile = join(conf, `auth.json`);
  const anon = await s.run([`push`, SEEDED.busyboxGlibc, dest], {env});
  t.is(anon.code, 125);
  t.regex(anon.stderr, new RegExp(`^Error: authentication required: run \`tspod login ${tlsReg.address}\``, `m`));
  const wrong = await s.run([`login`, `--authfile`, authfile, `-u`, USER, `--password-stdin`, tlsReg.address], {env, input: `not-it\n`});
  t.is(wrong.code, 125);
  t.regex(wrong.stderr, /invalid username or password/);
  const login = await s.run([`login`, `--authfile`, authfile, `-u`, USER, `--password-stdin`, tlsReg.address], {env, input: `${PASSWORD}\n`});
  t.is(login.code, 0, login.stderr);
  t.regex(login.stdout, /Login Succeeded!/);
  t.is((await s.run([`login`, `--authfile`, authfile, `--get-login`, tlsReg.address], {env})).stdout.trim(), USER);
  const push = await s.run([`push`, `--authfile`, authfile, SEEDED.busyboxGlibc, dest], {env});
  t.is(push.code, 0, push.stderr);
  const pulled = await s.run([`pull`, `-q`, `--authfile`, authfile, dest], {env});
  t.is(pulled.code, 0, pulled.stderr);
  t.is(pulled.stdout.trim(), IDS.busyboxGlibc);
  // Now from an empty store, so the blobs really cross the wire.
  const fresh = tempStore();
  t.teardown(() => fresh.cleanup());
  const noAuth = await fresh.run([`pull`, dest], {env});
  t.is(noAuth.code, 125);
  t.regex(noAuth.stderr, /authentication required/);
  const withCreds = await fresh.run([`pull`, `-q`, `--creds`, creds, dest], {env});
  t.is(withCreds.code, 0, withCreds.stderr);
  t.is(withCreds.stdout.trim(), IDS.busyboxGlibc);
  t.is((await fresh.run([`rmi`, dest], {env})).code, 0);
  const viaFile = await fresh.run([`pull`, `-q`, `--authfile`, authfile, dest], {env});
  t.is(viaFile.code, 0, viaFile.stderr);
  t.is((await s.run([`logout`, `--authfile`, authfile, tlsReg.address], {env})).code, 0);
  t.is((await s.run([`login`, `--authfile`, authfile, `--get-login`, tlsReg.address], {env})).code, 125);
});

test.serial(`TLS: without the CA in certs.d the pull is an x509 error; --tls-verify=false goes through`, async t => {
  const bare = configHome(false);
  t.teardown(() => rmSync(bare, {recursive: true, force: true}));
  const env = {XDG_CONFIG_HOME: bare};
  const dest = `${tlsReg.address}/basic/busybox:v1`;
  const fresh = tempStore();
  t.teardown(() => fresh.cleanup());
  const x509 = await fresh.run([`pull`, `--creds`, creds, dest], {env});
  t.is(x509.code, 125);
  t.regex(x509.stderr, /^Error: x509: certificate for 127\.0\.0\.1:\d+ not trusted/m);
  const insecure = await fresh.run([`pull`, `-q`, `--tls-verify=false`, `--creds`, creds, dest], {env});
  t.is(insecure.code, 0, insecure.stderr);
  t.is(insecure.stdout.trim(), IDS.busyboxGlibc);
});

test.serial(`bearer tokens: push and pull with --creds; anonymous pulls are refused`, async t => {
  const env = {XDG_CONFIG_HOME: conf};
  const dest = `${tokenReg.address}/tok/busybox:v1`;
  tokens.requests.length = 0;
  const push = await s.run([`push`, `--creds`, creds, SEEDED.busyboxGlibc, dest], {env});
  t.is(push.code, 0, push.stderr);
  t.true(tokens.requests.some(r => r.user === USER && r.scopes.includes(`repository:tok/busybox:pull,push`)), JSON.stringify(tokens.requests));
  const fresh = tempStore();
  t.teardown(() => fresh.cleanup());
  const anon = await fresh.run([`pull`, dest], {env});
  t.is(anon.code, 125);
  t.regex(anon.stderr, new RegExp(`authentication required: run \`tspod login ${tokenReg.address}\``));
  const pulled = await fresh.run([`pull`, `-q`, `--creds`, creds, dest], {env});
  t.is(pulled.code, 0, pulled.stderr);
  t.is(pulled.stdout.trim(), IDS.busyboxGlibc);
  t.true(tokens.requests.some(r => r.user === USER && r.scopes.includes(`repository:tok/busybox:pull`)));
  const run = await fresh.run([`run`, `--rm`, `--network`, `none`, dest, `echo`, `from-bearer`], {env});
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `from-bearer\n`);
});

test(`push honours registries.conf: a blocked registry is refused before any upload`, async t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-blockconf-`));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  mkdirSync(join(dir, `containers`));
  writeFileSync(join(dir, `containers/registries.conf`), `[[registry]]\nlocation = "${tokenReg.address}/blocked"\nblocked = true\n`);
  const r = await s.run([`push`, `--creds`, creds, SEEDED.busyboxGlibc, `${tokenReg.address}/blocked/busybox:v1`], {env: {XDG_CONFIG_HOME: dir}});
  t.is(r.code, 125);
  t.regex(r.stderr, new RegExp(`^Error: registry ${tokenReg.address}/blocked is blocked in registries.conf: cannot push to`));
});

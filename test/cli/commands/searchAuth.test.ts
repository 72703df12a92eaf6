// `tspod search` against registries that want credentials for their catalog: htpasswd
// basic auth over TLS (the CA given with --cert-dir) and bearer tokens, whose catalog
// needs the `registry:catalog:*` scope. Each is seeded with busybox from the seeded registry.
import test from 'ava';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runTspod} from '../../_helpers/runCli';
import {REGISTRY} from '../../_helpers/registry';
import {makeCertsDir, makePki, PASSWORD, startTlsBasicRegistry, startTokenRegistry, USER} from '../../_helpers/registryServers';
import type {Registry, TokenServer} from '../../_helpers/registryServers';
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';

const creds = `${USER}:${PASSWORD}`;
let pki: ReturnType<typeof makePki>;
let tlsReg: Registry;
let tokenReg: Registry;
let tokens: TokenServer;
let certDir: string;
let scratch: string;

test.before(async () => {
  pki = makePki();
  tlsReg = await startTlsBasicRegistry(pki);
  ({registry: tokenReg, tokens} = await startTokenRegistry(pki));
  certDir = makeCertsDir(pki.caCrt, tlsReg.address);
  scratch = mkdtempSync(join(tmpdir(), `tspod-search-auth-`));
  // Asynchronously: the token server answers skopeo from this process.
  for (const reg of [tlsReg, tokenReg]) {
    await promisify(execFile)(`skopeo`, [`copy`, `--quiet`, `--src-tls-verify=false`, `--dest-tls-verify=false`, `--dest-creds`, creds,
      `docker://${REGISTRY}/library/busybox:latest`, `docker://${reg.address}/private/busybox:latest`]);
  }
});
test.after.always(async () => {
  await tlsReg?.stop();
  await tokenReg?.stop();
  await tokens?.stop();
  pki?.cleanup();
  for (const dir of [certDir, scratch]) if (dir) rmSync(dir, {recursive: true, force: true});
});

test.serial(`TLS + basic auth: the CA from --cert-dir; without credentials the catalog is refused, with --creds or --authfile it is searched`, async t => {
  const R = tlsReg.address;
  const untrusted = await runTspod([`search`, `${R}/busy`]);
  t.is(untrusted.code, 125);
  t.regex(untrusted.stderr, /^Error: x509: certificate for \S+ not trusted/);
  const anon = await runTspod([`search`, `--cert-dir`, join(certDir, R), `${R}/busy`]);
  t.is(anon.code, 125);
  t.regex(anon.stderr, new RegExp(`^Error: registry ${R.replace(/\./g, `\\.`)} does not support searching without logging in \\(GET /v2/_catalog answered 401\\)\\n {2}fix: run \`tspod login [^\\n]+\\n$`));
  const withCreds = await runTspod([`search`, `--cert-dir`, join(certDir, R), `--creds`, creds, `--format`, `{{.Name}}`, `${R}/busy`]);
  t.is(withCreds.code, 0, withCreds.stderr);
  t.is(withCreds.stdout, `${R}/private/busybox\n`);
  const wrong = await runTspod([`search`, `--cert-dir`, join(certDir, R), `--creds`, `${USER}:nope`, `${R}/busy`]);
  t.is(wrong.code, 125);
  t.regex(wrong.stderr, /^Error: registry \S+ does not let this account search \(GET \/v2\/_catalog answered 401\)\n {2}fix: check the credentials/);
  const authfile = join(scratch, `auth.json`);
  writeFileSync(authfile, JSON.stringify({auths: {[R]: {auth: Buffer.from(creds).toString(`base64`)}}}));
  const viaFile = await runTspod([`search`, `--cert-dir`, join(certDir, R), `--authfile`, authfile, `--list-tags`, `${R}/private/busybox`]);
  t.is(viaFile.code, 0, viaFile.stderr);
  t.deepEqual(viaFile.stdout.trim().split(`\n`).map(l => l.split(/\s+/)), [[`NAME`, `TAG`], [`${R}/private/busybox`, `latest`]]);
});

test.serial(`bearer tokens: the catalog is asked for with the registry:catalog:* scope`, async t => {
  const R = tokenReg.address;
  const anon = await runTspod([`search`, `--tls-verify=false`, `${R}/`]);
  t.is(anon.code, 125);
  t.regex(anon.stderr, /^Error: registry \S+ does not support searching without logging in/);
  tokens.requests.length = 0;
  const r = await runTspod([`search`, `--tls-verify=false`, `--creds`, creds, `--format`, `json`, `${R}/`]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout).map((x: {Name: string}) => x.Name), [`${R}/private/busybox`]);
  t.true(tokens.requests.some(q => q.user === USER && q.scopes.includes(`registry:catalog:*`)), JSON.stringify(tokens.requests));
});

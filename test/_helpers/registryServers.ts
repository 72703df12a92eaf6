// Real registries with TLS, htpasswd or bearer-token auth for the registry client
// tests, a token server issuing JWTs the registry trusts (x5c header, RS256), and a
// small proxy in front of a real registry that cuts, fails or redirects on demand.
import {execFileSync} from 'node:child_process';
import {randomBytes, sign} from 'node:crypto';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
// @ts-expect-error: plain JavaScript harness
import {startRegistry} from '../_harness/registry.mjs';

export interface Registry {
  address: string;
  dataDir: string;
  dir: string;
  stop(): Promise<void>;
}

export const USER = `tester`;
export const PASSWORD = `s3cret-pass`;

function ssl(args: Array<string>, cwd: string): void {
  execFileSync(`openssl`, args, {cwd, stdio: [`ignore`, `ignore`, `pipe`]});
}

/** A test CA, a server certificate for 127.0.0.1/localhost, and a self-signed token-signing certificate. */
export function makePki(): {dir: string, caCrt: string, serverCrt: string, serverKey: string, tokenCrt: string, tokenKey: string, cleanup(): void} {
  const dir = mkdtempSync(join(tmpdir(), `tspod-pki-`));
  ssl([`req`, `-x509`, `-newkey`, `rsa:2048`, `-nodes`, `-keyout`, `ca.key`, `-out`, `ca.crt`, `-days`, `2`, `-subj`, `/CN=tspod test CA`], dir);
  ssl([`req`, `-newkey`, `rsa:2048`, `-nodes`, `-keyout`, `server.key`, `-out`, `server.csr`, `-subj`, `/CN=127.0.0.1`], dir);
  writeFileSync(join(dir, `ext.cnf`), `subjectAltName=IP:127.0.0.1,DNS:localhost\n`);
  ssl([`x509`, `-req`, `-in`, `server.csr`, `-CA`, `ca.crt`, `-CAkey`, `ca.key`, `-CAcreateserial`, `-out`, `server.crt`, `-days`, `2`, `-extfile`, `ext.cnf`], dir);
  ssl([`req`, `-x509`, `-newkey`, `rsa:2048`, `-nodes`, `-keyout`, `token.key`, `-out`, `token.crt`, `-days`, `2`, `-subj`, `/CN=tspod token issuer`], dir);
  return {
    dir,
    caCrt: join(dir, `ca.crt`), serverCrt: join(dir, `server.crt`), serverKey: join(dir, `server.key`),
    tokenCrt: join(dir, `token.crt`), tokenKey: join(dir, `token.key`),
    cleanup: () => rmSync(dir, {recursive: true, force: true}),
  };
}

/** A certs.d tree holding the CA for `host`. */
export function makeCertsDir(caCrt: string, host: string): string {
  const base = mkdtempSync(join(tmpdir(), `tspod-certs.d-`));
  mkdirSync(join(base, host));
  writeFileSync(join(base, host, `ca.crt`), readFileSync(caCrt));
  return base;
}

/** A client certificate signed by the test CA, as certs.d wants it: `client.cert` and `client.key`. */
export function makeClientCert(pki: ReturnType<typeof makePki>): {cert: string, key: string} {
  ssl([`req`, `-newkey`, `rsa:2048`, `-nodes`, `-keyout`, `client.key`, `-out`, `client.csr`, `-subj`, `/CN=tspod client`], pki.dir);
  writeFileSync(join(pki.dir, `client-ext.cnf`), `extendedKeyUsage=clientAuth\n`);
  ssl([`x509`, `-req`, `-in`, `client.csr`, `-CA`, `ca.crt`, `-CAkey`, `ca.key`, `-CAcreateserial`, `-out`, `client.cert`, `-days`, `2`, `-extfile`, `client-ext.cnf`], pki.dir);
  return {cert: join(pki.dir, `client.cert`), key: join(pki.dir, `client.key`)};
}

/** TLS registry with htpasswd auth; with `clientCa` it also demands a client certificate signed by it. */
export async function startTlsBasicRegistry(pki: ReturnType<typeof makePki>, opts: {clientCa?: string} = {}): Promise<Registry> {
  const htpasswd = join(pki.dir, `htpasswd`);
  writeFileSync(htpasswd, execFileSync(`htpasswd`, [`-Bbn`, USER, PASSWORD]));
  const clientCas = opts.clientCa ? [`    clientcas:`, `      - ${opts.clientCa}`] : [];
  return startRegistry({
    httpExtra: [`  tls:`, `    certificate: ${pki.serverCrt}`, `    key: ${pki.serverKey}`, ...clientCas].join(`\n`),
    extraConfig: [`auth:`, `  htpasswd:`, `    realm: tspod-test`, `    path: ${htpasswd}`].join(`\n`),
  });
}

export interface TokenServer {
  url: string;
  /** Requests seen: scope list and whether credentials were given. */
  requests: Array<{scopes: Array<string>, user: string | undefined}>;
  /** Which JSON field carries the token. */
  field: `token` | `access_token`;
  stop(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString(`base64url`);

/** Issues registry JWTs: full access with the right password, none anonymously, 401 for a wrong one. */
export async function startTokenServer(pki: ReturnType<typeof makePki>, service: string, issuer: string): Promise<TokenServer> {
  const key = readFileSync(pki.tokenKey);
  const der = readFileSync(pki.tokenCrt, `utf8`).replace(/-----[^-]+-----/g, ``).replace(/\s+/g, ``);
  const state: TokenServer = {url: ``, requests: [], field: `token`, stop: async () => {}};
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? `/`, `http://x`);
    const scopes = url.searchParams.getAll(`scope`);
    let user: string | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith(`Basic `)) {
      const [u, p] = Buffer.from(auth.slice(6), `base64`).toString().split(`:`);
      if (u !== USER || p !== PASSWORD) {
        res.writeHead(401, {'content-type': `application/json`});
        res.end(`{"details":"incorrect username or password"}`);
        state.requests.push({scopes, user: u});
        return;
      }
      user = u;
    }
    state.requests.push({scopes, user});
    const now = Math.floor(Date.now() / 1000);
    const access = user === undefined ? [] : scopes.map(s => {
      const [type, name, actions] = s.split(`:`);
      return {type, name, actions: (actions ?? ``).split(`,`)};
    });
    const header = b64url(JSON.stringify({typ: `JWT`, alg: `RS256`, x5c: [der]}));
    const claims = b64url(JSON.stringify({iss: issuer, sub: user ?? ``, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString(`hex`), access}));
    const sig = sign(`sha256`, Buffer.from(`${header}.${claims}`), key).toString(`base64url`);
    res.writeHead(200, {'content-type': `application/json`});
    res.end(JSON.stringify({[state.field]: `${header}.${claims}.${sig}`, expires_in: 300}));
  });
  await new Promise<void>(r => server.listen(0, `127.0.0.1`, r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  state.stop = () => new Promise(r => server.close(() => r()));
  return state;
}

export async function startTokenRegistry(pki: ReturnType<typeof makePki>): Promise<{registry: Registry, tokens: TokenServer}> {
  const service = `tspod-registry`;
  const issuer = `tspod-test-issuer`;
  const tokens = await startTokenServer(pki, service, issuer);
  const registry = await startRegistry({
    extraConfig: [`auth:`, `  token:`, `    realm: ${tokens.url}`, `    service: ${service}`, `    issuer: ${issuer}`, `    rootcertbundle: ${pki.tokenCrt}`].join(`\n`),
  });
  return {registry, tokens};
}

export interface ProxyOptions {
  /** Cut the connection after this many body bytes of the first full blob GET. */
  cutBlobAfter?: number;
  /** Answer this many manifest GETs with 503 first. */
  fail503?: number;
  /** Answer blob GETs with a 307 to this base URL (another host name). */
  redirectBlobsTo?: string;
  /** Hold the body of blobs larger than `minSize` after `bytes`, until release(). */
  stallBlobs?: {minSize: number, bytes: number};
}

export interface Proxy {
  address: string;
  requests: Array<{method: string, url: string, headers: http.IncomingHttpHeaders}>;
  /** With stallBlobs: resolves once a blob is held. */
  stalled: Promise<void>;
  /** Lets held blobs go on. */
  release(): void;
  stop(): Promise<void>;
}

/** A plain-http proxy in front of a real http registry at `target` (host:port). */
export async function startProxy(target: string, opts: ProxyOptions = {}): Promise<Proxy> {
  const requests: Proxy[`requests`] = [];
  let cut = opts.cutBlobAfter;
  let fail = opts.fail503 ?? 0;
  const [thost, tport] = target.split(`:`);
  let onStall!: () => void;
  const stalled = new Promise<void>(r => { onStall = r; });
  let released = false;
  const waiting: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    requests.push({method: req.method ?? ``, url: req.url ?? ``, headers: req.headers});
    const isBlob = /\/blobs\/sha256:/.test(req.url ?? ``) && req.method === `GET`;
    if (fail > 0 && /\/manifests\//.test(req.url ?? ``)) {
      fail--;
      res.writeHead(503, {'content-type': `application/json`});
      res.end(`{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}`);
      return;
    }
    if (isBlob && opts.redirectBlobsTo) {
      res.writeHead(307, {location: `${opts.redirectBlobsTo}${req.url}`});
      res.end();
      return;
    }
    const up = http.request({host: thost, port: Number(tport), method: req.method, path: req.url, headers: {...req.headers, host: target}}, upRes => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (isBlob && cut !== undefined && req.headers.range === undefined) {
        let sent = 0;
        const limit = cut;
        cut = undefined;
        upRes.on(`data`, (chunk: Buffer) => {
          if (sent >= limit) return;
          const part = chunk.subarray(0, limit - sent);
          sent += part.length;
          res.write(part);
          if (sent >= limit) {
            res.flushHeaders();
            setTimeout(() => res.socket?.destroy(), 20);
            upRes.destroy();
          }
        });
        return;
      }
      const stall = opts.stallBlobs;
      if (isBlob && stall && Number(upRes.headers[`content-length`]) > stall.minSize) {
        let sent = 0;
        upRes.on(`data`, (chunk: Buffer) => {
          if (released || sent + chunk.length <= stall.bytes) {
            sent += chunk.length;
            res.write(chunk);
            return;
          }
          upRes.pause();
          const head = chunk.subarray(0, Math.max(0, stall.bytes - sent));
          res.write(head);
          sent += head.length;
          onStall();
          waiting.push(() => {
            res.write(chunk.subarray(head.length));
            upRes.resume();
          });
        });
        upRes.on(`end`, () => res.end());
        return;
      }
      upRes.pipe(res);
    });
    up.on(`error`, () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>(r => server.listen(0, `127.0.0.1`, r));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stalled,
    release: () => {
      released = true;
      for (const go of waiting.splice(0)) go();
    },
    stop: () => new Promise(r => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

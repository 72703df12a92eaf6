// HTTP transport for the registry client, on node:http/node:https directly: Node 20's
// global fetch cannot take a per-host CA without the undici package, node-fetch v3 is
// ESM-only and costs startup time, and node:https gives Range, keep-alive agents and
// custom CAs/client certificates (certs.d) with no dependency.
import {readdirSync, readFileSync, statSync} from 'node:fs';
import http from 'node:http';
import type https from 'node:https';
import type tls from 'node:tls';
import {join} from 'node:path';
import type {IncomingMessage} from 'node:http';
import {TspodError} from '../engine/errors';
import {tls as tlsLib} from '../util/lazyBuiltins';

export interface TlsMaterial {
  ca?: Array<Buffer>;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * Reads `<dir>/<host[:port]>/` from the first certs.d directory that has it (as
 * containers/image does).
 */
export function loadCertsDir(host: string, certsDirs: ReadonlyArray<string>): TlsMaterial {
  for (const base of certsDirs) {
    const found = readCertsDir(join(base, host));
    if (found) return found;
  }
  return {};
}

/**
 * The certificates in one directory: `*.crt` are CAs, `*.cert` with the matching `*.key`
 * a client certificate. undefined when there is no such directory.
 */
export function readCertsDir(dir: string): TlsMaterial | undefined {
  let names: Array<string>;
  try {
    if (!statSync(dir).isDirectory()) return undefined;
    names = readdirSync(dir).sort();
  } catch {
    return undefined;
  }
  const out: TlsMaterial = {};
  for (const name of names) {
    if (name.endsWith(`.crt`)) (out.ca ??= []).push(readFileSync(join(dir, name)));
    if (name.endsWith(`.cert`)) {
      const keyName = `${name.slice(0, -`.cert`.length)}.key`;
      if (!names.includes(keyName))
        throw new TspodError(`InvalidArgument`, `missing key ${keyName} for client certificate ${join(dir, name)}`, {hint: `put the key next to the certificate or remove the certificate`});
      out.cert = readFileSync(join(dir, name));
      out.key = readFileSync(join(dir, keyName));
    }
  }
  return out;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | (() => NodeJS.ReadableStream);
  /** https only: verify the server certificate (default true). */
  tlsVerify?: boolean;
  tls?: TlsMaterial;
  agent?: http.Agent;
  /** Idle socket timeout in ms. */
  timeout?: number;
}

let httpsModule: typeof https | undefined;

/** node:https, loaded on first use: it brings tls and crypto (~12 ms), which a plain-http registry never needs. */
export function httpsLib(): typeof https {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  httpsModule ??= require(`node:https`) as typeof https;
  return httpsModule;
}

let extraRoots: Array<string | Buffer> | undefined;
let extraContext: tls.SecureContext | undefined;

/**
 * Node's roots and the PEM file the launcher took over from NODE_EXTRA_CA_CERTS (see
 * cli/launcher.cjs), read once. Like Node, an unreadable file is a warning, not an error.
 */
function rootsWithExtra(file: string): Array<string | Buffer> {
  if (extraRoots) return extraRoots;
  extraRoots = [...tlsLib().rootCertificates];
  try {
    extraRoots.push(readFileSync(file));
  } catch (err) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`);
  }
  return extraRoots;
}

/** One secure context for every connection: parsing ~150 certificates per connection would cost more than Node's start did. */
function extraCaContext(file: string): tls.SecureContext {
  extraContext ??= tlsLib().createSecureContext({ca: rootsWithExtra(file)});
  return extraContext;
}

/** One HTTP exchange; resolves once the response headers arrive. */
export function rawRequest(url: URL, opts: RequestOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === `https:`;
    const mod = isHttps ? httpsLib() : http;
    const reqOpts: https.RequestOptions = {
      method: opts.method ?? `GET`,
      headers: opts.headers ?? {},
      timeout: opts.timeout ?? 60_000,
    };
    if (opts.agent) reqOpts.agent = opts.agent;
    if (isHttps) {
      reqOpts.rejectUnauthorized = opts.tlsVerify !== false;
      if (opts.tls?.ca) reqOpts.ca = opts.tls.ca;
      // Not verifying: no need for Node's bundled root CAs, whose loading costs ~50 ms of CPU.
      else if (opts.tlsVerify === false) reqOpts.ca = [];
      else if (process.env.TSPOD_EXTRA_CA_CERTS) {
        if (opts.tls?.cert || opts.tls?.key) reqOpts.ca = rootsWithExtra(process.env.TSPOD_EXTRA_CA_CERTS);
        else (reqOpts as tls.ConnectionOptions).secureContext = extraCaContext(process.env.TSPOD_EXTRA_CA_CERTS);
      }
      if (opts.tls?.cert) reqOpts.cert = opts.tls.cert;
      if (opts.tls?.key) reqOpts.key = opts.tls.key;
    }
    const req = mod.request(url, reqOpts, resolve);
    req.on(`timeout`, () => req.destroy(Object.assign(new Error(`timed out`), {code: `ETIMEDOUT`})));
    req.on(`error`, reject);
    const body = opts.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      const src = body();
      src.on(`error`, err => req.destroy(err as Error));
      src.pipe(req);
    }
  });
}

export async function readBody(res: IncomingMessage, limit = 64 << 20): Promise<Buffer> {
  const chunks: Array<Buffer> = [];
  let n = 0;
  for await (const chunk of res) {
    n += (chunk as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw new TspodError(`Registry`, `response from the registry is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Drains a response we do not need so its socket goes back to the agent. */
export function discard(res: IncomingMessage): void {
  res.resume();
}

const TLS_CODES = new Set([
  `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `SELF_SIGNED_CERT_IN_CHAIN`, `DEPTH_ZERO_SELF_SIGNED_CERT`,
  `CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`,
  `UNABLE_TO_GET_ISSUER_CERT`, `CERT_NOT_YET_VALID`, `CERT_UNTRUSTED`, `CERT_SIGNATURE_FAILURE`,
]);

export function isTlsVerifyError(err: unknown): boolean {
  return TLS_CODES.has((err as {code?: string}).code ?? ``);
}

/** The server answered TLS with plain HTTP (or garbage): worth an http:// retry when insecure. */
export function isTlsProtocolError(err: unknown): boolean {
  const e = err as {code?: string, message?: string};
  return e.code === `EPROTO` || /wrong version number|packet length too long|ssl3_get_record/i.test(e.message ?? ``);
}

/** Errors worth retrying: the connection broke, not the request. */
export function isTransient(err: unknown): boolean {
  if (typeof err !== `object` || err === null) return false;
  const code = (err as {code?: string}).code ?? ``;
  return [`ECONNRESET`, `EPIPE`, `ETIMEDOUT`, `ECONNABORTED`, `EAI_AGAIN`, `ERR_STREAM_PREMATURE_CLOSE`, `UND_ERR_SOCKET`].includes(code)
    || (err as Error).message === `aborted`;
}

/** Maps a socket-level failure to one line that says what to do. */
export function networkError(host: string, err: unknown): TspodError {
  if (err instanceof TspodError) return err;
  const e = err as {code?: string, message?: string};
  const code = e.code ?? ``;
  if (code === `ECONNREFUSED`)
    return new TspodError(`Network`, `cannot connect to registry ${host}: connection refused: is the registry running?`, {cause: err});
  if (code === `ENOTFOUND` || code === `EAI_NONAME`)
    return new TspodError(`Network`, `cannot connect to registry ${host}: unknown host: check the name and your DNS`, {cause: err});
  if (code === `EAI_AGAIN`)
    return new TspodError(`Network`, `cannot connect to registry ${host}: name resolution failed temporarily: check your network and DNS`, {cause: err});
  if (code === `EHOSTUNREACH` || code === `ENETUNREACH`)
    return new TspodError(`Network`, `cannot connect to registry ${host}: no route to host: check your network`, {cause: err});
  if (code === `ETIMEDOUT`)
    return new TspodError(`Network`, `cannot connect to registry ${host}: timed out: check your network or the registry`, {cause: err});
  if (isTlsVerifyError(err))
    return new TspodError(`Network`, `x509: certificate for ${host} not trusted (${code.toLowerCase().replace(/_/g, ` `)}): use --tls-verify=false or add the CA to certs.d/${host}/ca.crt`, {cause: err});
  if (/alert (certificate required|bad certificate|handshake failure)|alert number 116|alert number 42/i.test(e.message ?? ``))
    return new TspodError(`Network`, `registry ${host} refused the TLS handshake: it wants a client certificate: put client.cert and client.key in certs.d/${host}/`, {cause: err});
  if (isTlsProtocolError(err))
    return new TspodError(`Network`, `cannot connect to registry ${host} over https: the server does not speak TLS: use --tls-verify=false or mark it insecure in registries.conf`, {cause: err});
  return new TspodError(`Network`, `cannot talk to registry ${host}: ${(e.message ?? String(err)).split(`\n`)[0]}`, {cause: err});
}

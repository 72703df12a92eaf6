// A distribution v2 (OCI distribution) client: ping, bearer/basic auth, manifests,
// blobs with resumable verified downloads, pushes, tag listing and the small GETs of
// search (v1 search, catalog pages). Transport and TLS are in http.ts, authentication
// in registryAuth.ts.
import {open, rm} from '../util/fsp';
import type {FileHandle} from 'node:fs/promises';
import http from 'node:http';
import type https from 'node:https';
import type {IncomingMessage} from 'node:http';
import type {Readable} from 'node:stream';
import {TspodError} from '../engine/errors';
import {Digester, digestAlgorithm, isDigest} from '../oci/digest';
import type {Digest} from '../oci/digest';
import {MANIFEST_ACCEPT, sniffMediaType} from '../oci/image';
import {registryHost} from '../oci/reference';
import {discard, httpsLib, isTlsProtocolError, isTransient, loadCertsDir, networkError, rawRequest, readBody, readCertsDir} from './http';
import {answersPlainHttp} from './plainHttpProbe';
import type {TlsMaterial} from './http';
import {AuthState, pullScope, pushScope} from './registryAuth';
import type {Credentials} from './registryAuth';

export type {Credentials} from './registryAuth';

export interface RegistryOptions {
  /** Verify TLS certificates (default true). false also allows falling back to http. */
  tlsVerify?: boolean;
  /** certs.d directories, searched in order for `<host[:port]>/` (see config/registriesConf certsDirs). */
  certsDirs?: Array<string>;
  /** A directory holding the certificates themselves, for every host (podman's --cert-dir): replaces certs.d. */
  certDir?: string;
  credentials?: Credentials;
  userAgent?: string;
  /** Plain http allowed (registries.conf `insecure = true`). */
  insecure?: boolean;
  /** Retries for transient failures of idempotent requests (default 4). */
  retries?: number;
  /** Base backoff in ms between retries (default 250, doubled each time). */
  backoffMs?: number;
  /** host[:port] to contact instead of the registry's own (Docker Hub's search lives on index.docker.io). */
  host?: string;
}

export interface ManifestResponse {
  mediaType: string;
  digest: Digest;
  body: Buffer;
}

export interface BlobStream {
  stream: Readable;
  /** Total size of the blob when the registry says it. */
  size: number | undefined;
  /** Where the stream starts: the requested offset, or 0 when the registry ignored Range. */
  offset: number;
}

export interface FetchBlobOptions {
  onProgress?: (done: number, total?: number) => void;
  /** How many bytes are on disk in destPath now (0 again when the download starts over). */
  onWritten?: (bytes: number) => void;
  /** Called once the first request for the blob is made (its sending may still need this tick to end). */
  onRequest?: () => void;
  expectedSize?: number;
}

/** A registry error with the HTTP status and the distribution error code, if any. */
export class RegistryError extends TspodError {
  readonly status: number;
  readonly registryCode: string | undefined;
  constructor(message: string, status: number, registryCode?: string, hint?: string) {
    super(`Registry`, message, hint === undefined ? {} : {hint});
    this.status = status;
    this.registryCode = registryCode;
  }
}

const MANIFEST_LIMIT = 4 << 20;
/** Bytes gathered before one writev of a blob download. */
const WRITE_BATCH = 1 << 20;
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

interface SendOptions {
  method?: string;
  scope?: string;
  headers?: Record<string, string>;
  body?: Buffer | (() => NodeJS.ReadableStream);
  /** Retry transient failures and 5xx (idempotent requests only). */
  retry?: boolean;
  /** Send no credentials and answer no challenge (the v1 search API is public). */
  anonymous?: boolean;
}

/** A small response read whole, for the caller to interpret (search endpoints). */
export interface SmallResponse {
  status: number;
  /** The `Link` header: where the next page is. */
  link: string | undefined;
  body: Buffer;
}

export class RegistryClient {
  /** The registry as named in references (`docker.io`, `127.0.0.1:5000`): used in messages. */
  readonly name: string;
  /** host[:port] actually contacted. */
  readonly host: string;
  private readonly opts: RegistryOptions;
  private readonly auth: AuthState;
  private readonly tlsByHost = new Map<string, TlsMaterial>();
  private readonly httpAgent = new http.Agent({keepAlive: true});
  private httpsAgentMade: https.Agent | undefined;
  private base?: Promise<URL>;

  constructor(registry: string, opts: RegistryOptions = {}) {
    this.name = registry;
    this.host = opts.host ?? registryHost(registry);
    this.opts = opts;
    this.auth = new AuthState(registry, opts.credentials, async (url, headers) => {
      const res = await this.exchange(url, {headers}, true);
      return {status: res.statusCode ?? 0, body: await readBody(res, 1 << 20)};
    });
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgentMade?.destroy();
  }

  /** Whether credentials were given (a 401 then means they were refused, not missing). */
  get hasCredentials(): boolean {
    return this.auth.hasCredentials;
  }

  /**
   * GET of a small JSON endpoint (up to 16 MiB) with retries, left for the caller to
   * interpret: the search APIs answer 404 or 401 where a registry has none, which is
   * no error for the caller. `target` is a path (with query) on the registry.
   */
  async getSmall(target: string, o: {scope?: string, anonymous?: boolean} = {}): Promise<SmallResponse> {
    const res = await this.send(target, {...o, retry: true});
    const body = await readBody(res, 16 << 20);
    return {status: res.statusCode ?? 0, link: res.headers.link === undefined ? undefined : String(res.headers.link), body};
  }

  /** Checks that the registry answers the v2 API (and learns its auth challenge). */
  async ping(): Promise<void> {
    await this.baseUrl();
  }

  /** Verifies that the configured credentials are accepted (for `login`). */
  async checkLogin(): Promise<void> {
    const res = await this.send(`/v2/`, {});
    discard(res);
    if (res.statusCode !== 200) throw await this.statusError(res, `login`);
  }

  async getManifest(repository: string, reference: string, accept: Array<string> = MANIFEST_ACCEPT): Promise<ManifestResponse> {
    const res = await this.send(`/v2/${repository}/manifests/${reference}`, {
      scope: pullScope(repository), headers: {accept: accept.join(`, `)}, retry: true,
    });
    if (res.statusCode !== 200) throw await this.statusError(res, `manifest`, repository, reference);
    const body = await readBody(res, MANIFEST_LIMIT);
    const byRef = isDigest(reference) ? reference : undefined;
    const digester = new Digester(byRef ? digestAlgorithm(byRef) : `sha256`);
    digester.update(body);
    const digest = digester.digest();
    if (byRef && digest !== byRef)
      throw new TspodError(`DigestMismatch`, `manifest ${byRef} from ${this.name}/${repository} has digest ${digest}: the registry sent different content`);
    const declared = (res.headers[`content-type`] ?? ``).split(`;`)[0]!.trim();
    const generic = declared === `` || declared === `application/json` || declared === `text/plain` || declared === `application/octet-stream`;
    return {mediaType: generic ? sniffMediaType(body) : declared, digest, body};
  }

  async openBlob(repository: string, digest: Digest, opts: {offset?: number} = {}): Promise<BlobStream> {
    const offset = opts.offset ?? 0;
    const headers: Record<string, string> = {};
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const res = await this.send(`/v2/${repository}/blobs/${digest}`, {scope: pullScope(repository), headers, retry: true});
    if (res.statusCode === 416 && offset > 0) {
      discard(res);
      return this.openBlob(repository, digest, {});
    }
    if (res.statusCode === 206) {
      const m = /bytes (\d+)-(\d+)\/(\d+|\*)/.exec(String(res.headers[`content-range`] ?? ``));
      if (!m || Number(m[1]) !== offset) {
        res.destroy();
        return this.openBlob(repository, digest, {});
      }
      return {stream: res, size: m[3] === `*` ? undefined : Number(m[3]), offset};
    }
    if (res.statusCode !== 200) throw await this.statusError(res, `blob`, repository, digest);
    const len = res.headers[`content-length`];
    return {stream: res, size: len === undefined ? undefined : Number(len), offset: 0};
  }

  /**
   * Streams a blob to destPath, hashing as it goes; resumes with Range after a broken
   * connection (the hash state is kept: bytes already written were already hashed),
   * and starts over only when the registry ignores the Range. Writes are batched
   * (~1 MiB) and overlap the reading; the file is fsynced before this returns. On a
   * digest or size mismatch destPath is deleted and DigestMismatch thrown.
   */
  async fetchBlob(repository: string, digest: Digest, destPath: string, opts: FetchBlobOptions = {}): Promise<void> {
    const fh = await open(destPath, `w`, 0o644);
    let ok = false;
    // One batched write in flight at a time, while the next batch is read.
    let writing: Promise<unknown> = Promise.resolve();
    let batch: Array<Buffer> = [];
    let batchBytes = 0;
    let written = 0;
    const flush = async (): Promise<void> => {
      await writing;
      if (batch.length === 0) return;
      const bufs = batch, at = written, len = batchBytes;
      batch = [];
      written += len;
      batchBytes = 0;
      writing = writeAll(fh, bufs, at, len).then(() => opts.onWritten?.(at + len), err => {
        throw Object.assign(err as Error, {localWrite: true});
      });
      writing.catch(() => undefined);
    };
    try {
      let digester = new Digester(digestAlgorithm(digest));
      let done = 0;
      let total = opts.expectedSize;
      for (let attempt = 0; ; attempt++) {
        try {
          const opening = this.openBlob(repository, digest, {offset: done});
          if (attempt === 0) opts.onRequest?.();
          const blob = await opening;
          if (blob.offset === 0 && done > 0) {
            await flush();
            await writing;
            await fh.truncate(0);
            opts.onWritten?.(0);
            digester = new Digester(digestAlgorithm(digest));
            done = 0;
            written = 0;
          }
          total ??= blob.size;
          for await (const chunk of blob.stream) {
            const buf = chunk as Buffer;
            done += buf.length;
            if (total !== undefined && done > total) {
              blob.stream.destroy();
              throw this.mismatch(repository, digest, `it is larger than the expected ${total} bytes`);
            }
            digester.update(buf);
            batch.push(buf);
            batchBytes += buf.length;
            if (batchBytes >= WRITE_BATCH) await flush();
            opts.onProgress?.(done, total);
          }
          if (total !== undefined && done < total)
            throw Object.assign(new Error(`blob ended early`), {code: `ECONNRESET`});
          break;
        } catch (err) {
          // A failed write to destPath (ENOSPC) is not the network's fault: no retry.
          if ((err as {localWrite?: boolean}).localWrite) throw err;
          if (!isTransient(err) || attempt >= (this.opts.retries ?? 4)) throw err instanceof TspodError ? err : networkError(this.name, err);
          await sleep((this.opts.backoffMs ?? 250) * 2 ** attempt);
        }
      }
      const got = digester.digest();
      if (got !== digest) throw this.mismatch(repository, digest, `its content hashes to ${got}`);
      await flush();
      await writing;
      await fh.sync();
      ok = true;
    } finally {
      await writing.catch(() => undefined);
      await fh.close();
      if (!ok) await rm(destPath, {force: true});
    }
  }

  async blobExists(repository: string, digest: Digest): Promise<boolean> {
    const res = await this.send(`/v2/${repository}/blobs/${digest}`, {method: `HEAD`, scope: pullScope(repository), retry: true});
    discard(res);
    if (res.statusCode === 200) return true;
    if (res.statusCode === 404) return false;
    throw await this.statusError(res, `blob`, repository, digest);
  }

  /** Uploads a blob monolithically (POST then PUT), unless the registry has it already. */
  async pushBlob(repository: string, digest: Digest, source: () => Readable, size: number): Promise<void> {
    const scope = pushScope(repository);
    const head = await this.send(`/v2/${repository}/blobs/${digest}`, {method: `HEAD`, scope, retry: true});
    discard(head);
    if (head.statusCode === 200) return;
    const start = await this.send(`/v2/${repository}/blobs/uploads/`, {method: `POST`, scope, headers: {'content-length': `0`}});
    discard(start);
    if (start.statusCode !== 202) throw await this.statusError(start, `upload`, repository, digest);
    const location = start.headers.location;
    if (!location) throw new RegistryError(`registry ${this.name} started an upload without a Location`, 202);
    const base = await this.baseUrl();
    const url = new URL(location, base);
    url.searchParams.set(`digest`, digest);
    const res = await this.send(url, {
      method: `PUT`, scope, body: source,
      headers: {'content-type': `application/octet-stream`, 'content-length': String(size)},
    });
    discard(res);
    if (res.statusCode !== 201) throw await this.statusError(res, `upload`, repository, digest);
  }

  async putManifest(repository: string, reference: string, mediaType: string, body: Buffer): Promise<Digest> {
    const digester = new Digester();
    digester.update(body);
    const digest = digester.digest();
    const res = await this.send(`/v2/${repository}/manifests/${reference}`, {
      method: `PUT`, scope: pushScope(repository), body,
      headers: {'content-type': mediaType, 'content-length': String(body.length)},
    });
    discard(res);
    if (res.statusCode !== 201 && res.statusCode !== 200) throw await this.statusError(res, `manifest upload`, repository, reference);
    return digest;
  }

  async listTags(repository: string): Promise<Array<string>> {
    const tags: Array<string> = [];
    let next: string | URL = `/v2/${repository}/tags/list`;
    for (let page = 0; page < 1000; page++) {
      const res = await this.send(next, {scope: pullScope(repository), retry: true});
      if (res.statusCode !== 200) throw await this.statusError(res, `tags`, repository);
      const json = JSON.parse((await readBody(res, 16 << 20)).toString(`utf8`)) as {tags?: Array<string> | null};
      tags.push(...(json.tags ?? []));
      const link = /<([^>]+)>\s*;\s*rel="?next"?/.exec(String(res.headers.link ?? ``));
      if (!link) break;
      next = new URL(link[1]!, await this.baseUrl());
    }
    return tags;
  }

  // ---- internals -------------------------------------------------------------

  private mismatch(repository: string, digest: Digest, why: string): TspodError {
    return new TspodError(`DigestMismatch`, `blob ${digest} from ${this.name}/${repository} failed verification: ${why}`, {hint: `pull again; if it persists the registry's copy is damaged`});
  }

  private tlsFor(host: string): TlsMaterial {
    let tls = this.tlsByHost.get(host);
    if (!tls) {
      tls = this.opts.certDir !== undefined ? readCertsDir(this.opts.certDir) ?? {} : loadCertsDir(host, this.opts.certsDirs ?? []);
      this.tlsByHost.set(host, tls);
    }
    return tls;
  }

  /** One exchange with TLS settings for the URL's host; socket errors become TspodErrors unless `raw`. */
  private async exchange(url: URL, o: {method?: string, headers?: Record<string, string>, body?: SendOptions[`body`]}, mapErrors: boolean): Promise<IncomingMessage> {
    const headers: Record<string, string> = {'user-agent': this.opts.userAgent ?? `tspod`, ...o.headers};
    try {
      return await rawRequest(url, {
        method: o.method ?? `GET`, headers, ...(o.body === undefined ? {} : {body: o.body}),
        tlsVerify: this.opts.tlsVerify !== false, tls: this.tlsFor(url.host),
        agent: url.protocol === `https:` ? this.httpsAgent() : this.httpAgent,
      });
    } catch (err) {
      throw mapErrors ? networkError(url.host === this.host ? this.name : url.host, err) : err;
    }
  }

  private httpsAgent(): https.Agent {
    this.httpsAgentMade ??= new (httpsLib().Agent)({keepAlive: true});
    return this.httpsAgentMade;
  }

  /** https first; http when the registry is insecure or tlsVerify=false (as podman does). */
  private baseUrl(): Promise<URL> {
    this.base ??= this.detectBase();
    this.base.catch(() => { this.base = undefined; });
    return this.base;
  }

  private async detectBase(): Promise<URL> {
    const mayHttp = this.opts.insecure === true || this.opts.tlsVerify === false;
    // A registry on this machine that answers a TLS hello in plain HTTP would fail the
    // https attempt just so (EPROTO): asked first, without TLS, it costs no TLS set-up.
    const plain = mayHttp && await answersPlainHttp(this.host);
    let firstErr: unknown;
    for (const scheme of plain ? [`http`] : mayHttp ? [`https`, `http`] : [`https`]) {
      const base = new URL(`${scheme}://${this.host}/`);
      try {
        const res = await this.exchange(new URL(`/v2/`, base), {}, false);
        discard(res);
        if (res.statusCode === 401) this.auth.learn(res.headers[`www-authenticate`], undefined);
        else if (res.statusCode !== 200)
          throw new RegistryError(`registry ${this.name} does not speak the registry v2 API (GET /v2/ answered ${res.statusCode})`, res.statusCode ?? 0);
        return base;
      } catch (err) {
        if (err instanceof TspodError) throw err;
        firstErr ??= err;
        if (scheme === `http` && !isTlsProtocolError(firstErr)) throw networkError(this.name, firstErr);
        if (scheme === `http` || !mayHttp) throw networkError(this.name, err);
      }
    }
    throw new Error(`Assertion failed: unreachable`);
  }

  /** Sends a request with auth (one retry after a 401), redirects and, if asked, retries. */
  private async send(target: string | URL, o: SendOptions): Promise<IncomingMessage> {
    const attempts = o.retry ? (this.opts.retries ?? 4) + 1 : 1;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.sendOnce(target, o);
        if (o.retry && attempt + 1 < attempts && (res.statusCode ?? 0) >= 500 && res.statusCode !== 501) {
          discard(res);
          await sleep((this.opts.backoffMs ?? 250) * 2 ** attempt);
          continue;
        }
        return res;
      } catch (err) {
        const cause = err instanceof TspodError ? err.cause : err;
        if (!(o.retry && attempt + 1 < attempts && isTransient(cause))) throw err;
        await sleep((this.opts.backoffMs ?? 250) * 2 ** attempt);
      }
    }
  }

  private async sendOnce(target: string | URL, o: SendOptions): Promise<IncomingMessage> {
    const base = await this.baseUrl();
    let url = typeof target === `string` ? new URL(target, base) : target;
    const method = o.method ?? `GET`;
    for (let authTry = 0; ; authTry++) {
      const auth = o.anonymous ? undefined : await this.auth.header(o.scope);
      let headers: Record<string, string> = {...o.headers};
      if (auth) headers.authorization = auth;
      let res: IncomingMessage;
      for (let hops = 0; ; hops++) {
        res = await this.exchange(url, {method, headers, ...(o.body === undefined ? {} : {body: o.body})}, true);
        const loc = res.headers.location;
        const code = res.statusCode ?? 0;
        if (!(code >= 300 && code < 400 && code !== 304 && loc && (method === `GET` || method === `HEAD`))) break;
        discard(res);
        if (hops >= 10) throw new RegistryError(`too many redirects from ${this.name}`, code);
        const next = new URL(loc, url);
        if (next.host !== url.host) {
          headers = {...headers};
          delete headers.authorization;
        }
        url = next;
      }
      if (res.statusCode === 401 && authTry === 0 && !o.anonymous && this.auth.learn(res.headers[`www-authenticate`], o.scope)) {
        discard(res);
        url = typeof target === `string` ? new URL(target, base) : target;
        continue;
      }
      return res;
    }
  }

  private async statusError(res: IncomingMessage, what: string, repository?: string, ref?: string): Promise<RegistryError> {
    const status = res.statusCode ?? 0;
    let code: string | undefined;
    let detail = ``;
    if (res.readableEnded !== true && !res.destroyed) {
      try {
        const body = await readBody(res, 1 << 20);
        const json = JSON.parse(body.toString(`utf8`)) as {errors?: Array<{code?: string, message?: string}>};
        code = json.errors?.[0]?.code;
        detail = json.errors?.[0]?.message ?? ``;
      } catch {}
    }
    const repo = repository === undefined ? this.name : `${this.name}/${repository}`;
    if (status === 401) {
      if (!this.auth.hasCredentials) return new RegistryError(`authentication required: run \`tspod login ${this.name}\``, status, code);
      return new RegistryError(`authentication to ${this.name} failed: invalid username or password`, status, code, `run \`tspod login ${this.name}\` again`);
    }
    if (status === 403) return new RegistryError(`access to ${repo} denied${detail ? `: ${detail}` : ``}`, status, code, `check that your account may ${what === `manifest` || what === `blob` || what === `tags` ? `pull from` : `push to`} ${repo}`);
    if (status === 404) {
      if (what === `manifest`) {
        const kind = ref !== undefined && isDigest(ref) ? `digest ${ref}` : `tag "${ref}"`;
        return new RegistryError(`manifest unknown: ${kind} not found in ${repo}`, status, code);
      }
      if (what === `blob`) return new RegistryError(`blob unknown: ${ref} not found in ${repo}`, status, code);
      if (what === `tags`) return new RegistryError(`repository ${repo} not found`, status, code);
    }
    if (status === 429) return new RegistryError(`too many requests to ${this.name}: wait and try again, or log in for a higher limit`, status, code);
    return new RegistryError(`registry ${this.name} answered ${status} for ${what}${ref ? ` ${ref}` : ``} in ${repo}${detail ? `: ${detail}` : ``}`, status, code);
  }
}

/** writev at `at`, finishing a short write (regular files rarely do them, but may). */
async function writeAll(fh: FileHandle, bufs: Array<Buffer>, at: number, len: number): Promise<void> {
  const {bytesWritten} = await fh.writev(bufs, at);
  if (bytesWritten >= len) return;
  const rest = Buffer.concat(bufs).subarray(bytesWritten);
  for (let off = 0; off < rest.length;) off += (await fh.write(rest, off, rest.length - off, at + bytesWritten + off)).bytesWritten;
}

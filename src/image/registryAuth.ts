// Registry authentication: WWW-Authenticate challenges (Bearer and Basic), bearer
// tokens from the realm (anonymous or with basic credentials), cached per scope.
import {TspodError} from '../engine/errors';

export interface Credentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: string; // lower case: `bearer`, `basic`
  params: Record<string, string>;
}

/** Parses `WWW-Authenticate` values: `Bearer realm="…",service="…",scope="…"`, `Basic realm="…"`. */
export function parseChallenges(header: string | Array<string> | undefined): Array<Challenge> {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  const out: Array<Challenge> = [];
  for (const value of values) {
    let s = value.trim();
    while (s.length > 0) {
      const m = /^([A-Za-z][\w-]*)\s*/.exec(s);
      if (!m) break;
      const ch: Challenge = {scheme: m[1]!.toLowerCase(), params: {}};
      s = s.slice(m[0].length);
      // key=value or key="quoted, value" pairs separated by commas
      for (;;) {
        const kv = /^([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(,\s*)?/.exec(s);
        if (!kv) break;
        ch.params[kv[1]!.toLowerCase()] = kv[2] !== undefined ? kv[2].replace(/\\(.)/g, `$1`) : kv[3]!;
        s = s.slice(kv[0].length);
        if (!kv[4]) break;
        // A comma followed by a new scheme name (no `=`) starts the next challenge.
        if (/^[A-Za-z][\w-]*\s+[\w-]+\s*=/.test(s) || /^[A-Za-z][\w-]*\s*$/.test(s)) break;
      }
      out.push(ch);
      s = s.replace(/^[\s,]+/, ``);
    }
  }
  return out;
}

export function basicHeader(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString(`base64`)}`;
}

export type TokenFetcher = (url: URL, headers: Record<string, string>) => Promise<{status: number, body: Buffer}>;

interface CachedToken {
  token: string;
  expires: number;
}

/** Per-registry auth state: the last challenge and bearer tokens by scope. */
export class AuthState {
  private challenge?: Challenge;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly host: string,
    private readonly credentials: Credentials | undefined,
    private readonly fetchToken: TokenFetcher,
  ) {}

  get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** The Authorization header for a scope, if we know the scheme already (after a first 401). */
  async header(scope: string | undefined): Promise<string | undefined> {
    const ch = this.challenge;
    if (!ch) return undefined;
    if (ch.scheme === `basic`) return this.credentials ? basicHeader(this.credentials) : undefined;
    if (ch.scheme !== `bearer`) return undefined;
    const key = scope ?? ``;
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return `Bearer ${cached.token}`;
    const token = await this.requestToken(ch, scope);
    this.tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  /** Records a 401's challenge; returns false when we cannot answer it (so the caller reports the 401). */
  learn(wwwAuthenticate: string | Array<string> | undefined, scope: string | undefined): boolean {
    const all = parseChallenges(wwwAuthenticate);
    const ch = all.find(c => c.scheme === `bearer`) ?? all.find(c => c.scheme === `basic`);
    if (!ch) return false;
    this.challenge = ch;
    this.tokens.delete(scope ?? ``);
    return ch.scheme === `bearer` || this.credentials !== undefined;
  }

  private async requestToken(ch: Challenge, scope: string | undefined): Promise<CachedToken> {
    const realm = ch.params.realm;
    if (!realm) throw new TspodError(`Registry`, `registry ${this.host} sent a bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new TspodError(`Registry`, `registry ${this.host} sent an invalid token realm "${realm}"`);
    }
    if (ch.params.service) url.searchParams.set(`service`, ch.params.service);
    const wanted = scope ?? ch.params.scope;
    if (wanted) for (const s of wanted.split(` `)) url.searchParams.append(`scope`, s);
    const headers: Record<string, string> = {};
    if (this.credentials) {
      headers.authorization = basicHeader(this.credentials);
      url.searchParams.set(`account`, this.credentials.username);
    }
    const res = await this.fetchToken(url, headers);
    if (res.status === 401 || res.status === 403) {
      if (this.credentials)
        throw new TspodError(`Registry`, `authentication to ${this.host} failed: invalid username or password`, {hint: `run \`tspod login ${this.host}\` again`});
      throw new TspodError(`Registry`, `authentication required: run \`tspod login ${this.host}\``);
    }
    if (res.status !== 200)
      throw new TspodError(`Registry`, `token server ${url.host} for ${this.host} answered ${res.status}`);
    let json: {token?: unknown, access_token?: unknown, expires_in?: unknown};
    try {
      json = JSON.parse(res.body.toString(`utf8`));
    } catch {
      throw new TspodError(`Registry`, `token server ${url.host} for ${this.host} sent something that is not JSON`);
    }
    const token = typeof json.token === `string` && json.token ? json.token : typeof json.access_token === `string` ? json.access_token : ``;
    if (!token) throw new TspodError(`Registry`, `token server ${url.host} for ${this.host} sent no token`);
    const lifetime = typeof json.expires_in === `number` && json.expires_in > 0 ? json.expires_in : 60;
    return {token, expires: Date.now() + Math.max(lifetime - 10, 10) * 1000};
  }
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

// auth.json (containers-auth.json(5)) at podman's paths: --authfile or
// REGISTRY_AUTH_FILE alone when given; else $XDG_RUNTIME_DIR/containers/auth.json
// (where login writes), then $XDG_CONFIG_HOME/containers/auth.json, then
// ~/.docker/config.json for reading. Entries are {"auths": {key: {"auth": base64(user:pass)}}}
// keyed by registry or registry/namespace/repo; the most specific key wins.
import {readFileSync} from 'node:fs';
import {mkdir, readFile} from '../util/fsp';
import {dirname, join} from 'node:path';
import {TspodError} from '../engine/errors';
import {writeJsonAtomic} from '../util/atomicWrite';
import type {Env, Paths} from './paths';

export interface Credentials {
  username: string;
  password: string;
}

export interface AuthFiles {
  /** Files read, in order; the first one holding a key wins. */
  read: Array<string>;
  /** The file login writes and logout edits. */
  write: string;
}

interface AuthEntry {
  auth?: string;
  identitytoken?: string;
  [k: string]: unknown;
}

export interface AuthJson {
  auths?: Record<string, AuthEntry>;
  [k: string]: unknown;
}

export function authFiles(env: Env, paths: Pick<Paths, `runtimeDir` | `userContainersConfig` | `home`>, authfile?: string): AuthFiles {
  const explicit = authfile || env.REGISTRY_AUTH_FILE;
  if (explicit) return {read: [explicit], write: explicit};
  const runtime = join(paths.runtimeDir, `containers/auth.json`);
  return {
    read: [runtime, join(paths.userContainersConfig, `auth.json`), join(paths.home, `.docker/config.json`)],
    write: runtime,
  };
}

/** `https://index.docker.io/v1/` → `docker.io`; strips a scheme; keeps registry/namespace/repo keys. */
export function normalizeAuthKey(key: string): string {
  let k = key.replace(/^https?:\/\//, ``);
  if (/^(index\.docker\.io|registry-1\.docker\.io)(\/v1\/?|\/v2\/?)?$/.test(k) || k === `docker.io/v1/`) return `docker.io`;
  k = k.replace(/\/(v1|v2)\/?$/, ``).replace(/\/+$/, ``);
  if (k.startsWith(`index.docker.io/`) || k.startsWith(`registry-1.docker.io/`)) k = `docker.io/${k.slice(k.indexOf(`/`) + 1)}`;
  return k;
}

/** Validates a key given to login/logout: `host[:port]` or `host[:port]/path`; no scheme. */
export function checkAuthKey(key: string): string {
  if (/^https?:\/\//.test(key)) key = key.replace(/^https?:\/\//, ``);
  if (key === `` || /[\s@]/.test(key) || key.includes(`:`) && !/^[^/]+:\d+(\/|$)/.test(key))
    throw new TspodError(`InvalidArgument`, `invalid registry "${key}": expected host[:port][/namespace[/repo]]`);
  return normalizeAuthKey(key);
}

export async function readAuthJson(file: string): Promise<AuthJson> {
  let text: string;
  try {
    text = await readFile(file, `utf8`);
  } catch (err) {
    return readError(file, err);
  }
  return parseAuthJson(file, text);
}

export function readAuthJsonSync(file: string): AuthJson {
  let text: string;
  try {
    text = readFileSync(file, `utf8`);
  } catch (err) {
    return readError(file, err);
  }
  return parseAuthJson(file, text);
}

function readError(file: string, err: unknown): AuthJson {
  if ((err as NodeJS.ErrnoException).code === `ENOENT`) return {};
  throw new TspodError(`InvalidArgument`, `cannot read auth file ${file}: ${(err as Error).message}`);
}

function parseAuthJson(file: string, text: string): AuthJson {
  if (text.trim() === ``) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== `object` || v === null || Array.isArray(v)) throw new Error(`not a JSON object`);
    const j = v as AuthJson;
    if (j.auths !== undefined && (typeof j.auths !== `object` || j.auths === null)) throw new Error(`"auths" is not an object`);
    return j;
  } catch (err) {
    throw new TspodError(`InvalidArgument`, `invalid auth file ${file}: ${(err as Error).message}`, {hint: `fix or remove the file`});
  }
}

export async function writeAuthJson(file: string, data: AuthJson): Promise<void> {
  await mkdir(dirname(file), {recursive: true, mode: 0o700});
  await writeJsonAtomic(file, data, {mode: 0o600});
}

function decode(file: string, key: string, e: AuthEntry): Credentials | undefined {
  if (typeof e.auth !== `string` || e.auth === ``) return undefined;
  const text = Buffer.from(e.auth, `base64`).toString(`utf8`);
  const colon = text.indexOf(`:`);
  if (colon <= 0) throw new TspodError(`InvalidArgument`, `invalid auth entry for ${key} in ${file}: "auth" is not base64 of user:password`, {hint: `run \`tspod login ${key}\` again`});
  return {username: text.slice(0, colon), password: text.slice(colon + 1)};
}

/** Keys to try for a repository, most specific first: host/ns/repo, host/ns, host. */
export function lookupKeys(repository: string): Array<string> {
  const parts = repository.split(`/`);
  const keys: Array<string> = [];
  for (let n = parts.length; n >= 1; n--) keys.push(parts.slice(0, n).join(`/`));
  return keys;
}

type Found = Credentials & {file: string, key: string};

function findIn(file: string, j: AuthJson, wanted: Array<string>): Found | undefined {
  const auths = new Map(Object.entries(j.auths ?? {}).map(([k, v]) => [normalizeAuthKey(k), v]));
  for (const key of wanted) {
    const e = auths.get(key);
    if (!e) continue;
    const c = decode(file, key, e);
    if (c) return {...c, file, key};
  }
  return undefined;
}

/** Credentials for `host` or `host/ns/repo` from the first file that has a matching key. */
export async function getCredentials(files: AuthFiles, repository: string): Promise<Found | undefined> {
  const wanted = lookupKeys(normalizeAuthKey(repository));
  for (const file of files.read) {
    const found = findIn(file, await readAuthJson(file), wanted);
    if (found) return found;
  }
  return undefined;
}

/** Synchronous lookup for the pull path: credentials for a registry or repository, if stored. */
export function credentialsFor(env: Env, paths: Pick<Paths, `runtimeDir` | `userContainersConfig` | `home`>, repository: string, authfile?: string): Credentials | undefined {
  const wanted = lookupKeys(normalizeAuthKey(repository));
  for (const file of authFiles(env, paths, authfile).read) {
    const found = findIn(file, readAuthJsonSync(file), wanted);
    if (found) return {username: found.username, password: found.password};
  }
  return undefined;
}

export async function setCredentials(file: string, key: string, creds: Credentials): Promise<void> {
  const j = await readAuthJson(file);
  const auths = {...(j.auths ?? {})};
  const k = normalizeAuthKey(key);
  for (const existing of Object.keys(auths)) if (normalizeAuthKey(existing) === k) delete auths[existing];
  auths[k] = {auth: Buffer.from(`${creds.username}:${creds.password}`).toString(`base64`)};
  await writeAuthJson(file, {...j, auths});
}

/** Removes a key; returns whether it was there. */
export async function removeCredentials(file: string, key: string): Promise<boolean> {
  const j = await readAuthJson(file);
  const auths = {...(j.auths ?? {})};
  const k = normalizeAuthKey(key);
  let found = false;
  for (const existing of Object.keys(auths)) {
    if (normalizeAuthKey(existing) === k) {
      delete auths[existing];
      found = true;
    }
  }
  if (found) await writeAuthJson(file, {...j, auths});
  return found;
}

/** Removes every entry (logout --all); other keys of the file are kept. */
export async function removeAllCredentials(file: string): Promise<void> {
  const j = await readAuthJson(file);
  if (j.auths === undefined || Object.keys(j.auths).length === 0) return;
  await writeAuthJson(file, {...j, auths: {}});
}

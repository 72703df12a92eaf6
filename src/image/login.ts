// `login`, `logout` and `login --get-login`: credentials are checked against the
// registry before they are stored in auth.json (podman's pkg/auth behaviour).
import {TspodError} from '../engine/errors';
import {authFiles, checkAuthKey, getCredentials, removeAllCredentials, removeCredentials, setCredentials} from '../config/authFile';
import type {Credentials} from '../config/authFile';
import {certsDirs, isInsecureRegistry, loadRegistriesConf, registriesConfFiles} from '../config/registriesConf';
import type {Env, Paths} from '../config/paths';
import {RegistryClient} from './registry';

export interface LoginEnv {
  env: Env;
  paths: Paths;
}

export interface LoginOptions {
  /** host[:port] or host[:port]/namespace[/repo] (podman accepts a path to scope credentials). */
  registry: string;
  username: string;
  password: string;
  authfile?: string | undefined;
  /** undefined: registries.conf decides; false: skip certificate checks and allow http. */
  tlsVerify?: boolean | undefined;
  /** podman's --cert-dir: the directory holding the registry's CA (and client) certificates, in place of certs.d. */
  certDir?: string | undefined;
}

export interface LoginReport {
  registry: string;
  /** The auth file written. */
  file: string;
}

export interface LogoutOptions {
  registry?: string | undefined;
  all?: boolean;
  authfile?: string | undefined;
}

export interface LogoutReport {
  /** Keys removed (empty for --all). */
  removed: Array<string>;
  file: string;
  all: boolean;
}

function hostOf(key: string): string {
  const slash = key.indexOf(`/`);
  return slash === -1 ? key : key.slice(0, slash);
}

/** A client for checking credentials, configured like a pull of that registry would be. */
function clientFor(le: LoginEnv, host: string, credentials: Credentials, opts: Pick<LoginOptions, `tlsVerify` | `certDir`>): RegistryClient {
  const conf = loadRegistriesConf(registriesConfFiles(le.env, le.paths));
  const dirs = certsDirs(le.paths);
  return new RegistryClient(host, {
    credentials,
    // podman's --cert-dir holds the certificates themselves (ca.crt, client pairs), not host folders.
    certsDirs: dirs, ...(opts.certDir ? {certDir: opts.certDir} : {}),
    insecure: isInsecureRegistry(conf, host),
    ...(opts.tlsVerify === undefined ? {} : {tlsVerify: opts.tlsVerify}),
  });
}

export async function login(le: LoginEnv, opts: LoginOptions): Promise<LoginReport> {
  const key = checkAuthKey(opts.registry);
  if (opts.username === ``) throw new TspodError(`InvalidArgument`, `username is empty`, {hint: `pass --username or -u`});
  if (opts.password === ``) throw new TspodError(`InvalidArgument`, `password is empty`, {hint: `pass --password, -p or --password-stdin`});
  const creds = {username: opts.username, password: opts.password};
  const client = clientFor(le, hostOf(key), creds, opts);
  try {
    await client.checkLogin();
  } finally {
    client.close();
  }
  const files = authFiles(le.env, le.paths, opts.authfile);
  await setCredentials(files.write, key, creds);
  return {registry: key, file: files.write};
}

export async function logout(le: LoginEnv, opts: LogoutOptions): Promise<LogoutReport> {
  const files = authFiles(le.env, le.paths, opts.authfile);
  if (opts.all) {
    await removeAllCredentials(files.write);
    return {removed: [], file: files.write, all: true};
  }
  if (!opts.registry) throw new TspodError(`InvalidArgument`, `registry must be given`, {hint: `name a registry or use --all`});
  const key = checkAuthKey(opts.registry);
  if (await removeCredentials(files.write, key)) return {removed: [key], file: files.write, all: false};
  const elsewhere = await getCredentials({read: files.read.slice(1), write: files.write}, key);
  if (elsewhere && elsewhere.key === key)
    throw new TspodError(`InvalidArgument`, `not logged into ${key} with tspod: existing credentials were stored in ${elsewhere.file}`, {hint: `remove them from that file (e.g. \`docker logout ${key}\`)`});
  throw new TspodError(`InvalidArgument`, `not logged into ${key}`);
}

/** The username stored for a registry (`login --get-login`). */
export async function getLogin(le: LoginEnv, opts: {registry: string, authfile?: string | undefined}): Promise<string> {
  const key = checkAuthKey(opts.registry);
  const found = await getCredentials(authFiles(le.env, le.paths, opts.authfile), key);
  if (!found) throw new TspodError(`InvalidArgument`, `not logged into ${key}`, {hint: `run \`tspod login ${key}\``});
  return found.username;
}

// `tspod search TERM`: the registry a term names (everything before its first `/`, as
// podman reads it), else each of registries.conf's unqualified-search-registries,
// searched with what a pull from it would use (insecure, certs.d, credentials); the
// rows come in registry order. With --list-tags the term names a repository instead.
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {certsDirs, findRegistry, loadRegistriesConf, registriesConfFiles} from '../../config/registriesConf';
import type {RegistriesConf} from '../../config/registriesConf';
import {DEFAULT_DOMAIN, isRegistryDomain, LEGACY_DEFAULT_DOMAIN, parseReference} from '../../oci/reference';
import {RegistryClient, RegistryError} from '../../image/registry';
import type {Credentials} from '../../image/registry';
import {DOCKER_HUB_SEARCH_HOST, searchRegistry, searchTags} from '../../image/search';
import {DEFAULT_SEARCH_LIMIT, parseSearchFilters, toSearchResults} from '../../image/searchResults';
import type {SearchResult} from '../../image/searchResults';
import {credentialLookup, parseCreds} from './credentials';

export type {SearchResult} from '../../image/searchResults';

export interface SearchOptions {
  term: string;
  /** Results per registry; undefined or 0 means 25. */
  limit?: number | undefined;
  filters?: Array<string>;
  noTrunc?: boolean;
  /** One row per tag of the repository the term names. */
  listTags?: boolean;
  /** undefined: registries.conf decides; false: allow http and skip certificate checks. */
  tlsVerify?: boolean | undefined;
  /** `user:password` */
  creds?: string | undefined;
  authfile?: string | undefined;
  /** A directory holding the certificates to use (ca.crt, client.cert, client.key), instead of certs.d. */
  certDir?: string | undefined;
}

/** Registries asked at once, as podman does. */
const PARALLEL = 6;

interface Target {
  registry: string;
  term: string;
}

export async function searchImages(ctx: EngineContext, opts: SearchOptions): Promise<Array<SearchResult>> {
  const limit = opts.limit || DEFAULT_SEARCH_LIMIT;
  if (!Number.isInteger(limit) || limit < 0)
    throw new TspodError(`InvalidArgument`, `invalid --limit ${opts.limit}: it must be a whole number of results per registry`, {hint: `e.g. --limit 10 (0 or none means ${DEFAULT_SEARCH_LIMIT})`});
  const filters = opts.filters ?? [];
  if (opts.listTags && filters.length > 0)
    throw new TspodError(`InvalidArgument`, `--filter does not apply to --list-tags`, {hint: `drop the --filter, or search without --list-tags`});
  const filter = parseSearchFilters(filters);
  const conf = loadRegistriesConf(registriesConfFiles(ctx.env, ctx.paths));
  const targets = searchTargets(conf, opts.term);
  const explicit = opts.creds !== undefined ? parseCreds(opts.creds) : undefined;
  const lookup = explicit ? undefined : await credentialLookup(ctx, opts.authfile);
  const dirs = certsDirs(ctx.paths);

  // `scope` is what credentials and registries.conf are looked up by: the registry, or the repository.
  const withClient = async <T>(registry: string, scope: string, use: (c: RegistryClient) => Promise<T>): Promise<T> => {
    const credentials: Credentials | undefined = explicit ?? await lookup!(scope);
    const client = new RegistryClient(registry, {
      ...(opts.tlsVerify !== undefined ? {tlsVerify: opts.tlsVerify} : {}),
      insecure: findRegistry(conf, scope)?.insecure ?? false,
      certsDirs: dirs,
      ...(opts.certDir ? {certDir: opts.certDir} : {}),
      ...(credentials ? {credentials} : {}),
      ...(registry === DEFAULT_DOMAIN && !opts.listTags ? {host: DOCKER_HUB_SEARCH_HOST} : {}),
      userAgent: `tspod`,
    });
    try {
      return await use(client);
    } finally {
      client.close();
    }
  };
  const searchOne = async (t: Target): Promise<Array<SearchResult>> => {
    if (opts.listTags) {
      const ref = tagsReference(t);
      const name = `${ref.domain}/${ref.path}`;
      const tags = await withClient(ref.domain, name, c => searchTags(c, ref.path, limit)).catch((err: unknown) => {
        if (!(err instanceof RegistryError && err.status === 404)) throw err;
        const word = ref.path.split(`/`).pop()!;
        throw new TspodError(`Registry`, err.message, {cause: err, hint: `\`tspod search ${ref.domain}/${word}\` lists the repositories whose names contain "${word}"`});
      });
      return tags.map(tag => ({Index: ``, Name: name, Description: ``, Stars: 0, Official: ``, Automated: ``, Tag: tag}));
    }
    const hits = await withClient(t.registry, t.registry, c => searchRegistry(c, t.registry, t.term, limit));
    return toSearchResults(t.registry, hits, {limit, noTrunc: opts.noTrunc ?? false, filter});
  };

  const outcomes = await mapParallel(targets, PARALLEL, t => searchOne(t).then(
    rows => ({rows}),
    (error: unknown) => {
      if (!(error instanceof TspodError)) throw error;
      return {error: opts.listTags ? error : explainRegistry(error, t)};
    },
  ));
  const rows = outcomes.flatMap(o => `rows` in o ? o.rows : []);
  const errors = outcomes.flatMap(o => `error` in o ? [o.error] : []);
  // As podman: a failure is the answer only when every registry failed; else it is a warning.
  if (errors.length === 1 && targets.length === 1) throw errors[0];
  if (errors.length > 0 && errors.length === targets.length) {
    const hint = errors.find(e => e.hint !== undefined)?.hint ?? `check that the registries in registries.conf's unqualified-search-registries are up, or name one in the term`;
    throw new TspodError(errors[0]!.code, `no registry could be searched: ${errors.map(e => e.message).join(`; `)}`, {hint});
  }
  for (const e of errors) ctx.log.warn(e.message);
  return rows;
}

/** The registries to ask and the term to ask each. */
function searchTargets(conf: RegistriesConf, term: string): Array<Target> {
  const slash = term.indexOf(`/`);
  if (slash !== -1) {
    let registry = term.slice(0, slash);
    const rest = term.slice(slash + 1);
    if (!isRegistryDomain(registry))
      throw new TspodError(`InvalidArgument`, `invalid search term "${term}": "${registry}" before the first "/" is not a registry`, {hint: `name a registry (host[:port]) first, e.g. quay.io/${rest || `NAME`}, or give no "/" to search registries.conf's unqualified-search-registries`});
    if (registry === LEGACY_DEFAULT_DOMAIN) registry = DEFAULT_DOMAIN;
    return [{registry, term: rest}];
  }
  if (conf.unqualifiedSearchRegistries.length === 0) {
    const where = conf.files.length > 0 ? conf.files.join(`, `) : `registries.conf`;
    throw new TspodError(`InvalidArgument`, `no registry to search: "${term}" names none and ${where} lists no unqualified-search-registries`, {hint: `name one, e.g. \`tspod search docker.io/${term}\`, or set unqualified-search-registries in ~/.config/containers/registries.conf`});
  }
  return conf.unqualifiedSearchRegistries.map(registry => ({registry, term}));
}

/** The repository whose tags --list-tags lists: the term itself when it names a registry, else the term in this search registry. */
function tagsReference(t: Target): {domain: string, path: string} {
  const input = `${t.registry}/${t.term}`;
  try {
    return parseReference(input);
  } catch (err) {
    throw new TspodError(`InvalidArgument`, `--list-tags needs a repository, and "${input}" is not one: ${(err as Error).message}`, {hint: `e.g. \`tspod search --list-tags ${t.registry}/library/alpine\``});
  }
}

/** A registry that is not there because the term's first part was meant as a path: say how podman reads the term. */
function explainRegistry(err: TspodError, t: Target): TspodError {
  const hostLike = /[.:]/.test(t.registry) || t.registry === `localhost`;
  if (err.code !== `Network` || hostLike || err.hint !== undefined) return err;
  return new TspodError(`Network`, err.message, {cause: err, hint: `the part of a search term before its first "/" names the registry: to search for "${t.registry}/${t.term}", put the registry first, e.g. docker.io/${t.registry}/${t.term}`});
}

/** `f` over `items`, at most `n` at a time, results in order (`f` must not reject). */
async function mapParallel<T, R>(items: ReadonlyArray<T>, n: number, f: (item: T) => Promise<R>): Promise<Array<R>> {
  const out: Array<R> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({length: Math.min(n, items.length)}, worker));
  return out;
}

// Searching one registry (`search`): its v1 search API where it has one (Docker Hub,
// Quay), else its distribution catalog, keeping the repositories whose name contains
// the term; and a repository's tags for `search --list-tags`.
import {TspodError} from '../engine/errors';
import {DEFAULT_DOMAIN} from '../oci/reference';
import type {RegistryClient} from './registry';
import {addCatalogMatches, nextPagePath, parseV1SearchResponse, v1SearchPath} from './searchResults';
import type {SearchHit} from './searchResults';

/** Docker Hub answers the v1 search API on its old index host, and has no catalog. */
export const DOCKER_HUB_SEARCH_HOST = `index.docker.io`;

const CATALOG_SCOPE = `registry:catalog:*`;
/** A catalog is read a page at a time until `limit` matches; this bounds a registry that never stops paging. */
const MAX_CATALOG_PAGES = 10_000;

/**
 * Up to `limit` repositories of `registry` matching `term` (`` matches all). The v1 API
 * is asked first, without credentials (it is public where it exists); a registry without
 * it answers 404 and its catalog is read instead, with the client's credentials.
 */
export async function searchRegistry(client: RegistryClient, registry: string, term: string, limit: number): Promise<Array<SearchHit>> {
  const hub = registry === DEFAULT_DOMAIN;
  if (term !== ``) {
    const res = await client.getSmall(v1SearchPath(registry, term, limit), {anonymous: true});
    const hits = res.status === 200 ? parseV1SearchResponse(res.body.toString(`utf8`)) : undefined;
    if (hits) return hits;
    if (hub) {
      const what = res.status === 200 ? `something that is not a search result` : `status ${res.status}`;
      throw new TspodError(`Registry`, `Docker Hub's search (${DOCKER_HUB_SEARCH_HOST}) answered ${what}`, {hint: `try again later; an image named in full can be pulled without searching`});
    }
  }
  const hits: Array<SearchHit> = [];
  let next: string | undefined = `/v2/_catalog`;
  for (let page = 0; next !== undefined && hits.length < limit && page < MAX_CATALOG_PAGES; page++) {
    const res = await client.getSmall(next, {scope: CATALOG_SCOPE});
    if (res.status !== 200) throw catalogRefused(registry, res.status, client.hasCredentials);
    let repositories: unknown;
    try {
      repositories = (JSON.parse(res.body.toString(`utf8`)) as {repositories?: unknown} | null)?.repositories;
    } catch {}
    if (!Array.isArray(repositories))
      throw new TspodError(`Registry`, `registry ${registry} answered GET /v2/_catalog with something that is not a catalog`, {hint: fullNameHint(registry)});
    addCatalogMatches(hits, repositories, term, limit);
    next = nextPagePath(res.link);
  }
  return hits;
}

/** Up to `limit` tags of a repository, in the registry's order. */
export async function searchTags(client: RegistryClient, repository: string, limit: number): Promise<Array<string>> {
  return (await client.listTags(repository)).slice(0, limit);
}

function fullNameHint(registry: string): string {
  return `name the repository in full instead: \`tspod search --list-tags ${registry}/NAME\` lists its tags`;
}

/** Why the catalog could not be read: most registries that refuse it do not offer searching at all. */
function catalogRefused(registry: string, status: number, withCredentials: boolean): TspodError {
  const asked = `GET /v2/_catalog answered ${status}`;
  if (status === 404 || status === 405 || status === 501)
    return new TspodError(`Registry`, `registry ${registry} does not support searching: it has no catalog (${asked})`, {hint: fullNameHint(registry)});
  if (status === 401 && !withCredentials)
    return new TspodError(`Registry`, `registry ${registry} does not support searching without logging in (${asked})`, {hint: `run \`tspod login ${registry}\` (or pass --creds) if your account may list its catalog; or ${fullNameHint(registry)}`});
  if (status === 401 || status === 403)
    return new TspodError(`Registry`, `registry ${registry} does not let this account search (${asked})`, {hint: `check the credentials (\`tspod login ${registry}\`); or ${fullNameHint(registry)}`});
  return new TspodError(`Registry`, `registry ${registry} could not be searched (${asked})`, {hint: `try again later`});
}

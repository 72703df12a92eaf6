// What `search` makes of a registry's answers, with no I/O: Docker Hub's v1 search
// response, catalog matching, --filter, and the rows podman prints (fully qualified
// names, descriptions cut at 44 characters, "[OK]" flags).
import {TspodError} from '../engine/errors';
import {DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX} from '../oci/reference';

/** Results per registry when --limit is not given (podman's default). */
export const DEFAULT_SEARCH_LIMIT = 25;
/** Longer descriptions are cut here and get `...`, unless --no-trunc. */
const DESCRIPTION_WIDTH = 44;

/** One repository a registry returned, before filtering and naming. */
export interface SearchHit {
  name: string;
  description: string;
  stars: number;
  official: boolean;
  automated: boolean;
}

/** A row of `search` output: podman's field names, for --format and JSON. */
export interface SearchResult {
  Index: string;
  Name: string;
  Description: string;
  Stars: number;
  Official: string;
  Automated: string;
  Tag: string;
}

export interface SearchFilter {
  /** Keep hits with at least this many stars. */
  stars: number;
  automated?: boolean;
  official?: boolean;
}

/**
 * The v1 search request (Docker Hub, Quay and others answer it). Docker Hub does not
 * find `library/alpine` by that name, so the prefix goes, as the docker client does.
 */
export function v1SearchPath(registry: string, term: string, limit: number): string {
  const q = registry === DEFAULT_DOMAIN && term.startsWith(OFFICIAL_REPO_PREFIX) ? term.slice(OFFICIAL_REPO_PREFIX.length) : term;
  return `/v1/search?${new URLSearchParams({q, n: String(limit)}).toString()}`;
}

/**
 * The hits in a v1 search response: `{"num_results": …, "results": [{"name",
 * "description", "star_count", "is_official", "is_automated"}, …]}`. undefined when the
 * body is not such a response (a registry answering 200 to anything).
 */
export function parseV1SearchResponse(body: string): Array<SearchHit> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const results = (json as {results?: unknown} | null)?.results;
  if (!Array.isArray(results)) return undefined;
  const hits: Array<SearchHit> = [];
  for (const r of results as Array<Record<string, unknown>>) {
    if (typeof r !== `object` || r === null || typeof r.name !== `string` || r.name === ``) return undefined;
    hits.push({
      name: r.name,
      description: typeof r.description === `string` ? r.description : ``,
      stars: typeof r.star_count === `number` ? r.star_count : 0,
      official: r.is_official === true,
      automated: r.is_automated === true,
    });
  }
  return hits;
}

/**
 * Adds the catalog's repositories that contain `term` to `hits`, up to `limit`; an exact
 * match goes first, since a long catalog may otherwise bury it (as podman does).
 */
export function addCatalogMatches(hits: Array<SearchHit>, repositories: ReadonlyArray<unknown>, term: string, limit: number): void {
  for (const repo of repositories) {
    if (hits.length >= limit) return;
    if (typeof repo !== `string` || !repo.includes(term)) continue;
    const hit = {name: repo, description: ``, stars: 0, official: false, automated: false};
    if (repo === term) hits.unshift(hit);
    else hits.push(hit);
  }
}

/** --filter values: `stars=N`, `is-automated[=true|false]`, `is-official[=true|false]`. */
export function parseSearchFilters(filters: ReadonlyArray<string>): SearchFilter {
  const out: SearchFilter = {stars: 0};
  const hint = `search filters are stars=N, is-automated[=true|false] and is-official[=true|false]`;
  for (const f of filters) {
    const eq = f.indexOf(`=`);
    const key = eq === -1 ? f : f.slice(0, eq);
    const value = eq === -1 ? undefined : f.slice(eq + 1);
    if (key === `stars`) {
      if (value === undefined || !/^[+-]?\d+$/.test(value))
        throw new TspodError(`InvalidArgument`, `invalid --filter "${f}": stars needs a whole number`, {hint: `e.g. --filter stars=10`});
      out.stars = Number(value);
    } else if (key === `is-automated` || key === `is-official`) {
      // podman's rule: anything but an explicit `false` means true.
      const want = value !== `false`;
      if (key === `is-automated`) out.automated = want;
      else out.official = want;
    } else {
      throw new TspodError(`InvalidArgument`, `invalid --filter "${f}"`, {hint});
    }
  }
  return out;
}

export function matchesFilter(hit: SearchHit, filter: SearchFilter): boolean {
  return hit.stars >= filter.stars
    && (filter.automated === undefined || hit.automated === filter.automated)
    && (filter.official === undefined || hit.official === filter.official);
}

/**
 * The rows for one registry's hits: the first `limit` hits that pass the filter (podman
 * filters after the limit: a filter can leave fewer rows), named in full. Docker Hub
 * names official images without `library/`.
 */
export function toSearchResults(registry: string, hits: ReadonlyArray<SearchHit>, o: {limit: number, noTrunc: boolean, filter: SearchFilter}): Array<SearchResult> {
  const out: Array<SearchResult> = [];
  for (const hit of hits.slice(0, o.limit)) {
    if (!matchesFilter(hit, o.filter)) continue;
    const inLibrary = registry === DEFAULT_DOMAIN && !hit.name.includes(`/`);
    let description = hit.description.replace(/\n/g, ` `);
    if (!o.noTrunc && description.length > DESCRIPTION_WIDTH) description = `${description.slice(0, DESCRIPTION_WIDTH)}...`;
    out.push({
      Index: registry,
      Name: `${registry}/${inLibrary ? OFFICIAL_REPO_PREFIX : ``}${hit.name}`,
      Description: description,
      Stars: hit.stars,
      Official: hit.official ? `[OK]` : ``,
      Automated: hit.automated ? `[OK]` : ``,
      Tag: ``,
    });
  }
  return out;
}

/**
 * Where the next page of a paginated answer is, from its `Link: <…>; rel="next"`: the
 * path and query only, so the pages stay on the registry that was asked.
 */
export function nextPagePath(link: string | undefined): string | undefined {
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link ?? ``);
  if (!m) return undefined;
  const url = new URL(m[1]!, `http://registry.invalid/`);
  return `${url.pathname}${url.search}`;
}

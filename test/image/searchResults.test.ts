// What search makes of registry answers: the Hub's v1 response, catalog matches,
// --filter, and the rows (names, truncation, [OK]) podman prints for them.
import test from 'ava';
import {isTspodError} from '../../src/engine/errors';
import {addCatalogMatches, matchesFilter, nextPagePath, parseSearchFilters, parseV1SearchResponse, toSearchResults, v1SearchPath} from '../../src/image/searchResults';
import type {SearchHit} from '../../src/image/searchResults';
import {HUB_SEARCH_RESPONSE} from '../_helpers/searchServers';

const hubHits = (): Array<SearchHit> => parseV1SearchResponse(JSON.stringify(HUB_SEARCH_RESPONSE))!;
const all = {stars: 0};

test(`the v1 request asks for the term and the limit; Docker Hub is asked without library/`, t => {
  t.is(v1SearchPath(`docker.io`, `library/alpine`, 25), `/v1/search?q=alpine&n=25`);
  t.is(v1SearchPath(`docker.io`, `alpine/git`, 3), `/v1/search?q=alpine%2Fgit&n=3`);
  t.is(v1SearchPath(`quay.io`, `library/alpine`, 10), `/v1/search?q=library%2Falpine&n=10`);
  t.is(v1SearchPath(`quay.io`, `a b&c`, 1), `/v1/search?q=a+b%26c&n=1`);
});

test(`a Hub response maps to hits, fields by their Hub names`, t => {
  t.deepEqual(hubHits(), [
    {name: `alpine`, description: HUB_SEARCH_RESPONSE.results[0]!.description, stars: 10921, official: true, automated: false},
    {name: `alpine/git`, description: `A  simple git container running in alpine linux,\nespecially for tiny linux distro.`, stars: 243, official: false, automated: true},
    {name: `alpinelinux/docker-cli`, description: `Simple and lightweight Alpine Linux image with only Docker CLI installed`, stars: 9, official: false, automated: false},
    {name: `yobasystems/alpine-mariadb`, description: ``, stars: 94, official: false, automated: true},
  ]);
  // Missing optional fields are empty, not errors; `results: []` is no hits.
  t.deepEqual(parseV1SearchResponse(`{"results":[{"name":"x"}]}`), [{name: `x`, description: ``, stars: 0, official: false, automated: false}]);
  t.deepEqual(parseV1SearchResponse(`{"num_results":0,"results":[]}`), []);
});

test(`what is not a v1 search response is refused, not read as no hits`, t => {
  for (const body of [`<html>hello</html>`, `{"repositories":["a"]}`, `null`, `{"results":{}}`, `{"results":[{"description":"no name"}]}`, `{"results":[null]}`])
    t.is(parseV1SearchResponse(body), undefined, body);
});

test(`Docker Hub rows: full names (library/ for official ones), [OK] flags, descriptions cut at 44 with newlines as spaces`, t => {
  const rows = toSearchResults(`docker.io`, hubHits(), {limit: 25, noTrunc: false, filter: all});
  t.deepEqual(rows[0], {
    Index: `docker.io`, Name: `docker.io/library/alpine`, Description: `A minimal Docker image based on Alpine Linux...`,
    Stars: 10921, Official: `[OK]`, Automated: ``, Tag: ``,
  });
  t.deepEqual(rows.map(r => r.Name), [`docker.io/library/alpine`, `docker.io/alpine/git`, `docker.io/alpinelinux/docker-cli`, `docker.io/yobasystems/alpine-mariadb`]);
  t.is(rows[1]!.Description, `A  simple git container running in alpine li...`);
  t.is(rows[1]!.Automated, `[OK]`);
  t.is(rows[3]!.Description, ``);
  const full = toSearchResults(`docker.io`, hubHits(), {limit: 25, noTrunc: true, filter: all});
  t.is(full[1]!.Description, `A  simple git container running in alpine linux, especially for tiny linux distro.`);
  // Exactly 44 characters stay as they are.
  t.is(toSearchResults(`quay.io`, [{...hubHits()[0]!, description: `x`.repeat(44)}], {limit: 1, noTrunc: false, filter: all})[0]!.Description, `x`.repeat(44));
});

test(`other registries: names are the registry and the repository as given`, t => {
  const rows = toSearchResults(`quay.io`, hubHits(), {limit: 25, noTrunc: false, filter: all});
  t.deepEqual(rows.map(r => r.Name), [`quay.io/alpine`, `quay.io/alpine/git`, `quay.io/alpinelinux/docker-cli`, `quay.io/yobasystems/alpine-mariadb`]);
  t.true(rows.every(r => r.Index === `quay.io`));
});

test(`--limit takes the first N hits, and the filter applies after it (podman's order)`, t => {
  t.deepEqual(toSearchResults(`docker.io`, hubHits(), {limit: 2, noTrunc: false, filter: all}).map(r => r.Stars), [10921, 243]);
  // Two automated hits in all, one of them within the first two.
  t.deepEqual(toSearchResults(`docker.io`, hubHits(), {limit: 2, noTrunc: false, filter: {stars: 0, automated: true}}).map(r => r.Name), [`docker.io/alpine/git`]);
});

test(`filters: stars is a minimum; is-official and is-automated are true unless =false`, t => {
  t.deepEqual(parseSearchFilters([]), {stars: 0});
  t.deepEqual(parseSearchFilters([`stars=100`, `is-official`, `is-automated=false`]), {stars: 100, official: true, automated: false});
  t.deepEqual(parseSearchFilters([`is-official=true`, `is-automated=yes`]), {stars: 0, official: true, automated: true});
  t.deepEqual(parseSearchFilters([`stars=-1`]), {stars: -1});
  const names = (f: Array<string>) => hubHits().filter(h => matchesFilter(h, parseSearchFilters(f))).map(h => h.name);
  t.deepEqual(names([`stars=94`]), [`alpine`, `alpine/git`, `yobasystems/alpine-mariadb`]);
  t.deepEqual(names([`is-official`]), [`alpine`]);
  t.deepEqual(names([`is-official=false`, `is-automated=false`]), [`alpinelinux/docker-cli`]);
  t.deepEqual(names([`is-automated`, `stars=100`]), [`alpine/git`]);
});

test(`bad filters are an InvalidArgument with the accepted forms`, t => {
  for (const f of [`stars`, `stars=`, `stars=x`, `stars=1.5`, `bogus=1`, `official`]) {
    const err = t.throws(() => parseSearchFilters([f]));
    t.true(isTspodError(err, `InvalidArgument`), f);
    t.true(err!.message.includes(`"${f}"`), err!.message);
    t.truthy((err as {hint?: string}).hint);
  }
});

test(`catalog matches: names containing the term, an exact match first, up to the limit`, t => {
  const hits: Array<SearchHit> = [];
  addCatalogMatches(hits, [`library/alpine`, `tools/alpine-git`, `library/busybox`, 42, `alpine`], `alpine`, 25);
  t.deepEqual(hits.map(h => h.name), [`alpine`, `library/alpine`, `tools/alpine-git`]);
  t.deepEqual(hits[0], {name: `alpine`, description: ``, stars: 0, official: false, automated: false});
  // Pages add to what earlier pages found; the limit counts them all.
  addCatalogMatches(hits, [`x/alpine`, `y/alpine`], `alpine`, 4);
  t.deepEqual(hits.map(h => h.name), [`alpine`, `library/alpine`, `tools/alpine-git`, `x/alpine`]);
  const every: Array<SearchHit> = [];
  addCatalogMatches(every, [`a`, `b`], ``, 25);
  t.is(every.length, 2);
});

test(`the next catalog page is the Link's path and query, kept on the same registry`, t => {
  t.is(nextPagePath(`</v2/_catalog?last=library%2Falpine&n=1>; rel="next"`), `/v2/_catalog?last=library%2Falpine&n=1`);
  t.is(nextPagePath(`<https://elsewhere.example/v2/_catalog?last=b>; rel=next`), `/v2/_catalog?last=b`);
  t.is(nextPagePath(undefined), undefined);
  t.is(nextPagePath(`</v2/_catalog?last=b>; rel="prev"`), undefined);
});

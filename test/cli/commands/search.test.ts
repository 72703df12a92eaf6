// `tspod search` end to end, as the unprivileged test user: the seeded registry's
// catalog (names, --limit, --format, --list-tags), a registry front answering the v1
// search API with Hub-shaped results (descriptions, stars, filters), and the failures:
// no registry there, no catalog, malformed terms. Outputs were checked against podman 4.3.
import test from 'ava';
import {runTspod} from '../../_helpers/runCli';
import {registriesEnv} from '../../_helpers/imageEnv';
import {SHARED_IMAGES} from '../../_helpers/project';
import {HUB_SEARCH_RESPONSE, startSearchFront} from '../../_helpers/searchServers';
import type {SearchFront} from '../../_helpers/searchServers';
// @ts-expect-error: plain ESM harness without types
import {freePort, startSeededRegistry} from '../../_harness/registry.mjs';

const noTls = `--tls-verify=false`;
// A registry of this file's own: the run's shared one gains repositories and tags as
// other files push to it, and a catalog listing would change with them.
let registry: {address: string, stop: () => Promise<void>};
let REGISTRY = ``, ALPINE = ``, BUSYBOX = ``;
let v1: SearchFront;
let noCatalog: SearchFront;

test.before(async () => {
  registry = await startSeededRegistry({imagesDir: SHARED_IMAGES});
  REGISTRY = registry.address;
  ALPINE = `${REGISTRY}/library/alpine`;
  BUSYBOX = `${REGISTRY}/library/busybox`;
  v1 = await startSearchFront({v1: HUB_SEARCH_RESPONSE, catalogStatus: 404});
  noCatalog = await startSearchFront({catalogStatus: 404});
});
test.after.always(async () => {
  await v1?.stop();
  await noCatalog?.stop();
  await registry?.stop();
});

/** podman's table: every column but the last padded to its widest cell + 2, and to 12 at least. */
function tableOf(rows: Array<Array<string>>): string {
  const widths = rows[0]!.map((_, c) => Math.max(12, 2 + Math.max(...rows.map(r => r[c]!.length))));
  return rows.map(r => r.map((cell, c) => c === r.length - 1 ? cell : cell.padEnd(widths[c]!)).join(``)).join(`\n`) + `\n`;
}

async function registryTags(repo: string): Promise<Array<string>> {
  return (await (await fetch(`http://${REGISTRY}/v2/${repo}/tags/list`)).json() as {tags: Array<string>}).tags;
}

test(`a term with a registry searches its catalog; names are fully qualified`, async t => {
  const r = await runTspod([`search`, noTls, `${REGISTRY}/`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, tableOf([[`NAME`, `DESCRIPTION`], [ALPINE, ``], [BUSYBOX, ``]]));
  t.is(r.stderr, ``);
  const alp = await runTspod([`image`, `search`, noTls, `${REGISTRY}/alp`]);
  t.is(alp.stdout, tableOf([[`NAME`, `DESCRIPTION`], [ALPINE, ``]]));
});

test(`a bare term searches registries.conf's unqualified-search-registries, insecure as configured there`, async t => {
  const r = await runTspod([`search`, `busy`], {env: registriesEnv([REGISTRY])});
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, tableOf([[`NAME`, `DESCRIPTION`], [BUSYBOX, ``]]));
});

test(`--limit caps the results per registry`, async t => {
  const r = await runTspod([`search`, noTls, `--limit`, `1`, `${REGISTRY}/library`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, tableOf([[`NAME`, `DESCRIPTION`], [ALPINE, ``]]));
  const bad = await runTspod([`search`, noTls, `--limit`, `many`, `${REGISTRY}/`]);
  t.is(bad.code, 125);
  t.regex(bad.stderr, /^Error: invalid argument "many" for "--limit" flag[^\n]*\n {2}fix: [^\n]+\n$/);
});

test(`--format json and Go templates, with podman's field names`, async t => {
  const json = await runTspod([`search`, noTls, `--format`, `json`, `${REGISTRY}/alp`]);
  t.is(json.code, 0, json.stderr);
  t.deepEqual(JSON.parse(json.stdout), [{Index: REGISTRY, Name: ALPINE, Description: ``, Stars: 0, Official: ``, Automated: ``, Tag: ``}]);
  const tpl = await runTspod([`search`, noTls, `--format`, `{{.Name}} {{.Index}} {{.Stars}}`, `${REGISTRY}/`]);
  t.is(tpl.stdout, `${ALPINE} ${REGISTRY} 0\n${BUSYBOX} ${REGISTRY} 0\n`);
  const tbl = await runTspod([`search`, noTls, `--format`, `table {{.Name}}\t{{.Index}}`, `${REGISTRY}/busy`]);
  t.is(tbl.stdout, tableOf([[`NAME`, `INDEX`], [BUSYBOX, REGISTRY]]));
});

test(`--list-tags lists a repository's tags in the registry's order, as a table or grouped in JSON`, async t => {
  const tags = await registryTags(`library/busybox`);
  t.deepEqual([...tags].sort(), [`1.37.0-glibc`, `1.37.0-musl`, `latest`]);
  const r = await runTspod([`search`, noTls, `--list-tags`, BUSYBOX]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, tableOf([[`NAME`, `TAG`], ...tags.map(tag => [BUSYBOX, tag])]));
  const two = await runTspod([`search`, noTls, `--list-tags`, `--limit`, `2`, `${BUSYBOX}:latest`]);
  t.is(two.stdout, tableOf([[`NAME`, `TAG`], ...tags.slice(0, 2).map(tag => [BUSYBOX, tag])]));
  const json = await runTspod([`search`, noTls, `--list-tags`, `--format`, `json`, BUSYBOX]);
  t.deepEqual(JSON.parse(json.stdout), [{Name: BUSYBOX, Tags: tags}]);
  // A name without a registry is looked for in each search registry.
  const bare = await runTspod([`search`, `--list-tags`, `alpine`], {env: registriesEnv([REGISTRY])});
  t.is(bare.code, 125);
  t.is(bare.stderr, `Error: repository ${REGISTRY}/alpine not found\n  fix: \`tspod search ${REGISTRY}/alpine\` lists the repositories whose names contain "alpine"\n`);
});

test(`a term that matches nothing prints nothing at all, as podman does`, async t => {
  const r = await runTspod([`search`, noTls, `${REGISTRY}/no-such-thing`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, ``);
  t.is(r.stderr, ``);
});

test(`the v1 search API: descriptions cut at 44 unless --no-trunc, stars and [OK] with --compatible, filters`, async t => {
  const V = v1.address;
  const names = HUB_SEARCH_RESPONSE.results.map(h => `${V}/${h.name}`);
  const r = await runTspod([`search`, noTls, `${V}/alpine`]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, tableOf([
    [`NAME`, `DESCRIPTION`],
    [names[0]!, `A minimal Docker image based on Alpine Linux...`],
    [names[1]!, `A  simple git container running in alpine li...`],
    [names[2]!, `Simple and lightweight Alpine Linux image wi...`],
    [names[3]!, ``],
  ]));
  // The v1 API is asked without credentials, for the term and the limit.
  t.true(v1.requests.some(q => q.url === `/v1/search?q=alpine&n=25` && q.authorization === undefined));
  const full = await runTspod([`search`, noTls, `--no-trunc`, `--limit`, `2`, `${V}/alpine`]);
  t.is(full.stdout, tableOf([
    [`NAME`, `DESCRIPTION`],
    [names[0]!, HUB_SEARCH_RESPONSE.results[0]!.description],
    [names[1]!, `A  simple git container running in alpine linux, especially for tiny linux distro.`],
  ]));
  t.true(v1.requests.some(q => q.url === `/v1/search?q=alpine&n=2`));
  const compat = await runTspod([`search`, noTls, `--compatible`, `--filter`, `is-automated`, `${V}/alpine`]);
  t.is(compat.stdout, tableOf([
    [`NAME`, `DESCRIPTION`, `STARS`, `OFFICIAL`, `AUTOMATED`],
    [names[1]!, `A  simple git container running in alpine li...`, `243`, ``, `[OK]`],
    [names[3]!, ``, `94`, ``, `[OK]`],
  ]));
  const stars = await runTspod([`search`, noTls, `--filter=stars=100`, `--filter=is-official=false`, `--format`, `{{.Name}} {{.Stars}}`, `${V}/alpine`]);
  t.is(stars.stdout, `${names[1]} 243\n`);
  // JSON is never cut.
  const json = await runTspod([`search`, noTls, `--format`, `json`, `--limit`, `1`, `${V}/alpine`]);
  t.deepEqual(JSON.parse(json.stdout), [{Index: V, Name: names[0], Description: HUB_SEARCH_RESPONSE.results[0]!.description, Stars: 10921, Official: `[OK]`, Automated: ``, Tag: ``}]);
});

test(`a registry that is not there: one line, exit 125`, async t => {
  const port = await freePort();
  const r = await runTspod([`search`, noTls, `127.0.0.1:${port}/alpine`]);
  t.is(r.code, 125);
  t.is(r.stdout, ``);
  t.is(r.stderr, `Error: cannot connect to registry 127.0.0.1:${port}: connection refused: is the registry running?\n`);
});

test(`a registry without a catalog does not support searching: said in one line with a fix`, async t => {
  const r = await runTspod([`search`, noTls, `${noCatalog.address}/alpine`]);
  t.is(r.code, 125);
  t.is(r.stdout, ``);
  t.regex(r.stderr, new RegExp(`^Error: registry ${noCatalog.address.replace(/\./g, `\\.`)} does not support searching: it has no catalog \\(GET /v2/_catalog answered 404\\)\\n {2}fix: [^\\n]*--list-tags[^\\n]*\\n$`));
});

test(`one registry failing among several is a warning; all failing is the error`, async t => {
  const env = registriesEnv([REGISTRY, noCatalog.address]);
  const some = await runTspod([`search`, `alp`], {env});
  t.is(some.code, 0, some.stderr);
  t.is(some.stdout, tableOf([[`NAME`, `DESCRIPTION`], [ALPINE, ``]]));
  t.regex(some.stderr, /^WARN\S* registry \S+ does not support searching/);
  const port = await freePort();
  const none = await runTspod([`search`, `alp`], {env: registriesEnv([`127.0.0.1:${port}`, noCatalog.address])});
  t.is(none.code, 125);
  t.regex(none.stderr, /^Error: no registry could be searched: cannot connect to registry [^\n]+; registry [^\n]+ does not support searching[^\n]*\n {2}fix: [^\n]+\n$/);
});

test(`malformed terms, filters and option mixes are refused before any request, with a fix`, async t => {
  const cases: Array<[Array<string>, RegExp]> = [
    [[`/alpine`], /^Error: invalid search term "\/alpine": "" before the first "\/" is not a registry\n {2}fix: /],
    [[`bad host!/alpine`], /^Error: invalid search term "bad host!\/alpine"/],
    [[`--list-tags`, `${REGISTRY}/library/Alpine`], /^Error: --list-tags needs a repository, and "[^"]+" is not one: invalid reference format: repository name must be lowercase\n {2}fix: /],
    [[`--filter`, `bogus=1`, `${REGISTRY}/`], /^Error: invalid --filter "bogus=1"\n {2}fix: search filters are stars=N/],
    [[`--filter`, `stars=lots`, `${REGISTRY}/`], /^Error: invalid --filter "stars=lots": stars needs a whole number\n {2}fix: /],
    [[`--list-tags`, `--filter`, `stars=1`, `${REGISTRY}/library/alpine`], /^Error: --filter does not apply to --list-tags\n {2}fix: /],
  ];
  for (const [args, want] of cases) {
    const r = await runTspod([`search`, noTls, ...args]);
    t.is(r.code, 125, args.join(` `));
    t.regex(r.stderr, want, args.join(` `));
    t.is(r.stderr.split(`\n`).filter(Boolean).length, r.stderr.includes(`fix:`) ? 2 : 1, r.stderr);
  }
  // No registry to search: none named, none configured.
  const none = await runTspod([`search`, `alpine`], {env: registriesEnv([])});
  t.is(none.code, 125);
  t.regex(none.stderr, /^Error: no registry to search: "alpine" names none and [^\n]+ lists no unqualified-search-registries\n {2}fix: /);
});

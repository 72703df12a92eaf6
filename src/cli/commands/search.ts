import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {table} from '../humanize';
import {formatRows} from '../templateRows';
import {TspodError} from '../../engine/errors';
import type {SearchResult} from '../../engine/verbs/search';


export default class SearchCommand extends BaseCommand {
  static override paths = [[`search`], [`image`, `search`]];
  static override usage = Command.Usage({
    description: `Search registries for images`,
    details: `A term with a registry (everything before the first "/") searches that registry; a term without one searches each of registries.conf's unqualified-search-registries. Docker Hub is asked through its search API, other registries through their v1 search API or, failing that, their catalog (names containing the term). Filters: stars=N, is-automated[=false], is-official[=false]. --list-tags lists the tags of the repository the term names.`,
    examples: [
      [`Search a registry`, `$0 search quay.io/podman`],
      [`Everything in a registry`, `$0 search --tls-verify=false localhost:5000/`],
      [`Official images with 10 stars or more`, `$0 search --filter is-official --filter stars=10 docker.io/alpine`],
      [`The tags of a repository`, `$0 search --list-tags docker.io/library/alpine`],
    ],
  });

  authfile = Option.String(`--authfile`, {description: `Path of the authentication file`});
  certDir = Option.String(`--cert-dir`, {description: `Directory with the certificates to use (*.crt, *.cert and *.key) instead of certs.d`});
  compatible = Option.Boolean(`--compatible`, false, {description: `Add the STARS, OFFICIAL and AUTOMATED columns, as docker search shows them`});
  creds = Option.String(`--creds`, {description: `Credentials for the registry, as username:password`});
  filter = Option.Array(`-f,--filter`, [], {description: `Keep only results with stars=N or more, is-automated[=false], is-official[=false]`});
  format = Option.String(`--format`, {description: `json, or a Go template over .Index .Name .Description .Stars .Official .Automated .Tag`});
  limit = Option.String(`--limit`, {description: `At most this many results from each registry (default 25)`});
  listTags = Option.Boolean(`--list-tags`, false, {description: `List the tags of the repository the term names`});
  noTrunc = Option.Boolean(`--no-trunc`, false, {description: `Show descriptions in full (longer ones are cut at 44 characters)`});
  tlsVerify = Option.Boolean(`--tls-verify`, {description: `Require HTTPS and verify certificates when contacting registries`});
  term = Option.String({name: `TERM`});

  async execute() {
    const limit = this.limit === undefined ? undefined : Number(this.limit);
    if (limit !== undefined && (this.limit!.trim() === `` || !Number.isInteger(limit)))
      throw new TspodError(`InvalidArgument`, `invalid argument "${this.limit}" for "--limit" flag: not a whole number`, {hint: `e.g. --limit 10`});
    const json = this.format !== undefined && /^\s*(json|\{\{\s*json\s*\.\s*\}\})\s*$/.test(this.format);
    const results = await this.engine.searchImages({
      // podman cuts descriptions for people, never in JSON.
      term: this.term, limit, filters: this.filter, noTrunc: this.noTrunc || json, listTags: this.listTags,
      tlsVerify: this.tlsVerify, creds: this.creds, authfile: this.authfile, certDir: this.certDir,
    });
    // podman prints nothing at all, not even the header, when nothing matched.
    if (results.length === 0) return 0;
    if (this.listTags && json) this.json(groupTags(results));
    else if (json) this.json(results);
    else if (this.format !== undefined) this.out(formatRows(this.format, results, {}));
    else if (this.listTags) this.out(table([`NAME`, `TAG`], results.map(r => [r.Name, r.Tag])));
    else if (this.compatible) this.out(table([`NAME`, `DESCRIPTION`, `STARS`, `OFFICIAL`, `AUTOMATED`], results.map(r => [r.Name, r.Description, String(r.Stars), r.Official, r.Automated])));
    else this.out(table([`NAME`, `DESCRIPTION`], results.map(r => [r.Name, r.Description])));
    return 0;
  }
}

/** --list-tags as JSON: one entry per repository with its tags, as podman prints it. */
function groupTags(results: ReadonlyArray<SearchResult>): Array<{Name: string, Tags: Array<string>}> {
  const byName = new Map<string, Array<string>>();
  for (const r of results) {
    const tags = byName.get(r.Name) ?? [];
    tags.push(r.Tag);
    byName.set(r.Name, tags);
  }
  return [...byName].map(([Name, Tags]) => ({Name, Tags}));
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {humanSize, table, timeAgo} from '../humanize';
import {formatRows} from '../templateRows';
import type {ImageSummary} from '../../engine/verbs/images';
import {TspodError} from '../../engine/errors';

export default class ImagesCommand extends BaseCommand {
  static override paths = [[`images`], [`image`, `ls`], [`image`, `list`]];
  static override usage = Command.Usage({
    description: `List images in local storage`,
    details: `One row per name (repository and tag); images without a name show as <none>. Filters: reference=, dangling=true|false, before=, since=, label=key[=value].`,
    examples: [[`List images`, `$0 images`], [`The images a name matches`, `$0 images alpine`], [`Only IDs`, `$0 images -q`], [`As JSON`, `$0 images --format json`], [`Dangling images`, `$0 images --filter dangling=true`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Show all images (default hides intermediate images)`});
  digests = Option.Boolean(`--digests`, false, {description: `Show digests`});
  filter = Option.Array(`-f,--filter`, [], {description: `Filter output based on conditions provided`});
  noTrunc = Option.Boolean(`--no-trunc`, false, {description: `Do not truncate output`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Display only image IDs`});
  format = Option.String(`--format`, {description: `Pretty-print images to JSON or using a Go template`});
  noheading = Option.Boolean(`-n,--noheading`, false, {description: `Do not print column headings`});
  sort = Option.String(`--sort`, `created`, {description: `Sort by created, id, repository, size or tag`});
  // podman's `images [IMAGE]`: the images that name matches, as --filter reference=IMAGE.
  image = Option.String({required: false, name: `IMAGE`});

  async execute() {
    const filters = this.image === undefined ? this.filter : [...this.filter, `reference=${this.image}`];
    const images = sortImages(await this.engine.listImages({all: this.all, filters}), this.sort);
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.json(images);
      return 0;
    }
    const id = (s: ImageSummary) => this.noTrunc ? `sha256:${s.Id}` : s.Id.slice(0, 12);
    if (this.quiet) {
      const seen = new Set<string>();
      for (const s of images) {
        if (seen.has(s.Id)) continue;
        seen.add(s.Id);
        this.out(id(s));
      }
      return 0;
    }
    const named = sortRows(images.flatMap(s => rowNames(s).map(([repo, tag]) => ({s, repo, tag}))), this.sort);
    if (this.format !== undefined) {
      const rows = named.map(({s, repo, tag}) => ({
        ...s, Repository: repo, Tag: tag, ID: id(s), Id: s.Id, Created: timeAgo(s.Created), CreatedAt: s.Created,
        CreatedSince: timeAgo(s.Created), Size: humanSize(s.Size), VirtualSize: humanSize(s.Size),
      }));
      if (rows.length > 0 || this.format.startsWith(`table`)) this.out(formatRows(this.format, rows, IMAGE_HEADERS));
      return 0;
    }
    const header = this.digests
      ? [`REPOSITORY`, `TAG`, `DIGEST`, `IMAGE ID`, `CREATED`, `SIZE`]
      : [`REPOSITORY`, `TAG`, `IMAGE ID`, `CREATED`, `SIZE`];
    const rows: Array<Array<string>> = [];
    for (const {s, repo, tag} of named) {
      const row = [repo, tag];
      if (this.digests) row.push(s.Digest);
      row.push(id(s), timeAgo(s.Created), humanSize(s.Size));
      rows.push(row);
    }
    const text = table(header, rows);
    this.out(this.noheading ? text.split(`\n`).slice(1).join(`\n`) : text);
    return 0;
  }
}

// podman's column names for `--format "table {{.Field}}…"`.
const IMAGE_HEADERS: Record<string, string> = {ID: `IMAGE ID`, Id: `IMAGE ID`, CreatedSince: `CREATED`, CreatedAt: `CREATED AT`, VirtualSize: `SIZE`};

/** podman: a row per tag; an image named only by digest shows its repository with tag <none>. */
function rowNames(s: ImageSummary): Array<[string, string]> {
  if (s.RepoTags.length > 0) {
    return s.RepoTags.map(n => {
      const colon = n.lastIndexOf(`:`);
      return [n.slice(0, colon), n.slice(colon + 1)];
    });
  }
  const repos = [...new Set((s.Names ?? []).map(n => n.slice(0, n.indexOf(`@`))).filter(r => r !== ``))];
  return repos.length > 0 ? repos.map(r => [r, `<none>`]) : [[`<none>`, `<none>`]];
}

/** --sort repository|tag orders the rows (a row per name), as podman's; the other keys order images. */
function sortRows<R extends {repo: string, tag: string}>(rows: Array<R>, key: string): Array<R> {
  const bytes = (x: string, y: string) => x < y ? -1 : x > y ? 1 : 0; // Go's string order
  if (key === `repository`) return [...rows].sort((a, b) => bytes(a.repo, b.repo));
  if (key === `tag`) return [...rows].sort((a, b) => bytes(a.tag, b.tag));
  return rows;
}

/** podman's --sort keys; newest first for created, else ascending. */
function sortImages(list: Array<ImageSummary>, key: string): Array<ImageSummary> {
  const first = (s: ImageSummary) => rowNames(s)[0] ?? [``, ``];
  const by: Record<string, (a: ImageSummary, b: ImageSummary) => number> = {
    created: (a, b) => b.Created - a.Created,
    id: (a, b) => a.Id.localeCompare(b.Id),
    repository: (a, b) => first(a)[0].localeCompare(first(b)[0]),
    tag: (a, b) => first(a)[1].localeCompare(first(b)[1]),
    size: (a, b) => a.Size - b.Size,
  };
  const cmp = by[key];
  if (!cmp) throw new TspodError(`InvalidArgument`, `invalid option for --sort "${key}"`, {hint: `use created, id, repository, size or tag`});
  return [...list].sort(cmp);
}

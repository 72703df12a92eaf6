// registries.conf (containers-registries.conf(5), version 2, plus the v1 tables) read
// from podman's files in podman's order, short-name resolution (aliases, the alias
// cache, unqualified-search-registries, short-name-mode) and the pull sources of a
// fully-qualified reference (prefix → location rewriting, mirrors, insecure, blocked).
import {existsSync, mkdirSync, readdirSync, readFileSync} from 'node:fs';
import {dirname} from 'node:path';
import {stringify as stringifyToml} from 'smol-toml';
import {writeFileAtomicSync} from '../util/atomicWrite';
import {join} from 'node:path';
import {parse as parseToml} from 'smol-toml';
import {TspodError} from '../engine/errors';
import {formatReference, parseReference, shortNameParts, withDefaultTag} from '../oci/reference';
import type {ImageReference} from '../oci/reference';
import type {Env, Paths} from './paths';

export type ShortNameMode = `enforcing` | `permissive` | `disabled`;

export interface Mirror {
  location: string;
  insecure: boolean;
  /** `all` (default), `digest-only` or `tag-only`. */
  pullFromMirror: string;
}

export interface RegistryEntry {
  prefix: string;
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: Array<Mirror>;
}

export interface RegistriesConf {
  unqualifiedSearchRegistries: Array<string>;
  shortNameMode: ShortNameMode;
  /** name → fully-qualified target ('' removes an alias), with the file each came from. */
  aliases: Map<string, {value: string, origin: string}>;
  registries: Array<RegistryEntry>;
  /** Files read, in order (for messages). */
  files: Array<string>;
  /** The short-name alias cache, looked up before `aliases`. */
  aliasCacheFile: string;
}

export interface RegistriesConfFiles {
  /** The main file (may not exist). */
  main: string;
  /** Drop-in directories, read in order (system, then user). */
  dropInDirs: Array<string>;
  aliasCache: string;
}

/** podman's lookup: CONTAINERS_REGISTRIES_CONF, else the user's file if it exists, else /etc; drop-ins from both dirs. */
export function registriesConfFiles(env: Env, paths: Pick<Paths, `userContainersConfig` | `systemContainersConfig` | `userContainersCache`>): RegistriesConfFiles {
  const user = join(paths.userContainersConfig, `registries.conf`);
  const system = join(paths.systemContainersConfig, `registries.conf`);
  const userDropIns = join(paths.userContainersConfig, `registries.conf.d`);
  // podman's machine-written aliases (a user's pick at the short-name prompt).
  const aliasCache = join(paths.userContainersCache, `short-name-aliases.conf`);
  // As containers/image: a per-user registries.conf replaces the system one *and* the
  // system drop-ins (a system alias must not override the user's own configuration).
  if (!env.CONTAINERS_REGISTRIES_CONF && existsSync(user))
    return {main: user, dropInDirs: [userDropIns], aliasCache};
  return {
    main: env.CONTAINERS_REGISTRIES_CONF || system,
    dropInDirs: [join(paths.systemContainersConfig, `registries.conf.d`), userDropIns],
    aliasCache,
  };
}

/** certs.d directories, searched in order (containers-certs.d(5)). */
export function certsDirs(paths: Pick<Paths, `userContainersConfig` | `systemContainersConfig`>): Array<string> {
  return [join(paths.userContainersConfig, `certs.d`), join(paths.systemContainersConfig, `certs.d`), `/etc/docker/certs.d`];
}

type Table = Record<string, unknown>;

function fail(file: string, why: string): TspodError {
  return new TspodError(`InvalidArgument`, `${file}: ${why}`, {hint: `fix the file (see containers-registries.conf(5))`});
}

function readToml(file: string): Table | undefined {
  let text: string;
  try {
    text = readFileSync(file, `utf8`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === `ENOENT`) return undefined;
    throw fail(file, `cannot read: ${(err as Error).message}`);
  }
  try {
    return parseToml(text) as Table;
  } catch (err) {
    throw fail(file, `invalid TOML: ${(err as Error).message.split(`\n`)[0]}`);
  }
}

const str = (file: string, v: unknown, what: string): string => {
  if (typeof v !== `string`) throw fail(file, `${what} must be a string`);
  return v;
};
const bool = (file: string, v: unknown, what: string): boolean => {
  if (v === undefined) return false;
  if (typeof v !== `boolean`) throw fail(file, `${what} must be true or false`);
  return v;
};
const strList = (file: string, v: unknown, what: string): Array<string> => {
  if (!Array.isArray(v) || v.some(x => typeof x !== `string`)) throw fail(file, `${what} must be an array of strings`);
  return v as Array<string>;
};

function parseEntry(file: string, t: unknown): RegistryEntry {
  if (typeof t !== `object` || t === null) throw fail(file, `[[registry]] must be a table`);
  const r = t as Table;
  const location = r.location === undefined ? `` : str(file, r.location, `registry.location`);
  const prefix = r.prefix === undefined ? location : str(file, r.prefix, `registry.prefix`);
  if (prefix === ``) throw fail(file, `[[registry]] needs a location or a prefix`);
  if (location === `` && !prefix.startsWith(`*.`) && !bool(file, r.blocked, `registry.blocked`))
    throw fail(file, `[[registry]] with prefix "${prefix}" needs a location`);
  const mirrors = r.mirror === undefined ? [] : (Array.isArray(r.mirror) ? r.mirror : [r.mirror]).map((m: unknown) => {
    const mt = m as Table;
    const pull = mt[`pull-from-mirror`] === undefined ? `all` : str(file, mt[`pull-from-mirror`], `mirror.pull-from-mirror`);
    if (![`all`, `digest-only`, `tag-only`].includes(pull)) throw fail(file, `pull-from-mirror must be all, digest-only or tag-only`);
    return {location: str(file, mt.location, `mirror.location`), insecure: bool(file, mt.insecure, `mirror.insecure`), pullFromMirror: pull};
  });
  return {
    prefix, location: location || prefix,
    insecure: bool(file, r.insecure, `registry.insecure`),
    blocked: bool(file, r.blocked, `registry.blocked`),
    mirrorByDigestOnly: bool(file, r[`mirror-by-digest-only`], `registry.mirror-by-digest-only`),
    mirrors,
  };
}

/** Applies one file on top of `conf` (c/image's drop-in merge: later files override by key). */
function mergeFile(conf: RegistriesConf, file: string, t: Table): void {
  conf.files.push(file);
  const byPrefix = new Map(conf.registries.map(r => [r.prefix, r]));
  if (t[`unqualified-search-registries`] !== undefined)
    conf.unqualifiedSearchRegistries = strList(file, t[`unqualified-search-registries`], `unqualified-search-registries`);
  if (t[`short-name-mode`] !== undefined) {
    const mode = str(file, t[`short-name-mode`], `short-name-mode`);
    if (mode !== `enforcing` && mode !== `permissive` && mode !== `disabled`) throw fail(file, `short-name-mode must be enforcing, permissive or disabled, not "${mode}"`);
    conf.shortNameMode = mode;
  }
  if (t.aliases !== undefined) {
    for (const [k, v] of Object.entries(t.aliases as Table)) conf.aliases.set(k, {value: str(file, v, `alias ${k}`), origin: file});
  }
  // Version 1 tables.
  const v1 = t.registries as Table | undefined;
  if (v1 && typeof v1 === `object` && !Array.isArray(v1)) {
    const list = (k: string) => ((v1[k] as Table | undefined)?.registries === undefined ? [] : strList(file, (v1[k] as Table).registries, `registries.${k}.registries`));
    if (v1.search !== undefined) conf.unqualifiedSearchRegistries = list(`search`);
    for (const [k, flag] of [[`insecure`, `insecure`], [`block`, `blocked`]] as const) {
      for (const loc of list(k)) {
        const e = byPrefix.get(loc) ?? {prefix: loc, location: loc, insecure: false, blocked: false, mirrorByDigestOnly: false, mirrors: []};
        e[flag] = true;
        byPrefix.set(loc, e);
      }
    }
  }
  if (t.registry !== undefined) {
    if (!Array.isArray(t.registry)) throw fail(file, `registry must be an array of tables ([[registry]])`);
    for (const r of t.registry) {
      const e = parseEntry(file, r);
      byPrefix.set(e.prefix, e);
    }
  }
  conf.registries = [...byPrefix.values()];
}

export function loadRegistriesConf(files: RegistriesConfFiles): RegistriesConf {
  const conf: RegistriesConf = {
    unqualifiedSearchRegistries: [], shortNameMode: `permissive`, aliases: new Map(), registries: [], files: [],
    aliasCacheFile: files.aliasCache,
  };
  const main = readToml(files.main);
  if (main) mergeFile(conf, files.main, main);
  for (const dir of files.dropInDirs) {
    let names: Array<string>;
    try {
      names = readdirSync(dir).filter(n => n.endsWith(`.conf`)).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const t = readToml(join(dir, n));
      if (t) mergeFile(conf, join(dir, n), t);
    }
  }
  return conf;
}

/** Matches `domain/path` against a prefix: exact, or followed by `/`; `*.example.com` matches sub-domains. */
function matchLength(prefix: string, name: string): number {
  if (prefix.startsWith(`*.`)) {
    const slash = name.indexOf(`/`);
    const domain = slash === -1 ? name : name.slice(0, slash);
    const rest = prefix.slice(1);
    return domain.endsWith(rest) && domain.length > rest.length ? prefix.length : -1;
  }
  if (name === prefix) return prefix.length;
  if (name.startsWith(prefix) && [`/`, `:`, `@`].includes(name[prefix.length]!)) return prefix.length;
  return -1;
}

/** The [[registry]] entry for a repository (longest matching prefix), if any. */
export function findRegistry(conf: RegistriesConf, repository: string): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  let bestLen = -1;
  for (const r of conf.registries) {
    const n = matchLength(r.prefix, repository);
    if (n > bestLen) {
      best = r;
      bestLen = n;
    }
  }
  return best;
}

export interface PullSource {
  ref: ImageReference;
  insecure: boolean;
  mirror: boolean;
}

function rewrite(ref: ImageReference, entry: RegistryEntry, location: string): ImageReference {
  if (entry.prefix.startsWith(`*.`)) return ref;
  const name = `${ref.domain}/${ref.path}`;
  const rewritten = location + name.slice(entry.prefix.length);
  const out = parseReference(rewritten);
  return {...out, ...(ref.tag === undefined ? {} : {tag: ref.tag}), ...(ref.digest === undefined ? {} : {digest: ref.digest}), short: false};
}

/** Where to pull a fully-qualified reference from: mirrors first, then the (rewritten) location. */
export function pullSources(conf: RegistriesConf, ref: ImageReference): Array<PullSource> {
  const entry = findRegistry(conf, `${ref.domain}/${ref.path}`);
  if (!entry) return [{ref, insecure: false, mirror: false}];
  if (entry.blocked)
    throw new TspodError(`InvalidArgument`, `registry ${entry.prefix} is blocked in registries.conf: cannot pull ${formatReference(ref)}`, {hint: `remove blocked = true for it in ${conf.files.join(` or `) || `registries.conf`}`});
  const out: Array<PullSource> = [];
  const byDigest = ref.digest !== undefined;
  for (const m of entry.mirrors) {
    if (entry.mirrorByDigestOnly && !byDigest) continue;
    if (m.pullFromMirror === `digest-only` && !byDigest) continue;
    if (m.pullFromMirror === `tag-only` && byDigest) continue;
    out.push({ref: rewrite(ref, entry, m.location), insecure: m.insecure, mirror: true});
  }
  out.push({ref: rewrite(ref, entry, entry.location), insecure: entry.insecure, mirror: false});
  return out;
}

/** Whether a registry (host[:port]) is marked insecure. */
export function isInsecureRegistry(conf: RegistriesConf, domain: string): boolean {
  return findRegistry(conf, domain)?.insecure ?? false;
}

export interface ShortNameResolution {
  /** Fully-qualified references to try, in order. */
  candidates: Array<ImageReference>;
  source: `qualified` | `alias` | `search`;
  /** The file an alias came from, or the files that gave the search registries. */
  origin?: string;
  /** True when the caller should ask the user to pick one (enforcing mode, several candidates, a TTY). */
  prompt: boolean;
}

function readAliasCache(file: string): Map<string, string> {
  const t = readToml(file);
  const out = new Map<string, string>();
  if (t?.aliases && typeof t.aliases === `object`)
    for (const [k, v] of Object.entries(t.aliases as Table)) if (typeof v === `string`) out.set(k, v);
  return out;
}

/** Records `name` → `value` in the alias cache (podman does after a prompted pick), keeping the other entries. */
export function recordShortNameAlias(file: string, name: string, value: string): void {
  let aliases: Record<string, string> = {};
  try {
    aliases = Object.fromEntries(readAliasCache(file));
  } catch {
    // An unreadable cache is replaced: it only holds past picks.
  }
  aliases[name] = value;
  mkdirSync(dirname(file), {recursive: true, mode: 0o700});
  writeFileAtomicSync(file, `${stringifyToml({aliases})}\n`);
}

function qualify(target: string, parts: {tag?: string, digest?: ImageReference[`digest`]}): ImageReference {
  const base = parseReference(target);
  const ref: ImageReference = {...base, short: false};
  if (parts.tag !== undefined) ref.tag = parts.tag;
  if (parts.digest !== undefined) ref.digest = parts.digest;
  return withDefaultTag(ref);
}

/**
 * Resolves what the user typed into candidates (containers/image pkg/shortnames):
 * qualified → itself; an alias (the alias cache first, then registries.conf) → one
 * candidate; else one per unqualified-search registry. In enforcing mode with several
 * candidates and no TTY it refuses, listing them.
 */
export function resolveShortName(conf: RegistriesConf, input: string, opts: {tty: boolean}): ShortNameResolution {
  const ref = parseReference(input);
  if (!ref.short) return {candidates: [withDefaultTag(ref)], source: `qualified`, prompt: false};
  const parts = shortNameParts(input);
  const cached = readAliasCache(conf.aliasCacheFile).get(parts.name);
  const alias = cached !== undefined ? {value: cached, origin: conf.aliasCacheFile} : conf.aliases.get(parts.name);
  if (alias && alias.value !== ``) {
    return {candidates: [qualify(alias.value, parts)], source: `alias`, origin: alias.origin, prompt: false};
  }
  const where = conf.files.length ? conf.files.join(`, `) : `registries.conf`;
  if (conf.unqualifiedSearchRegistries.length === 0)
    throw new TspodError(`InvalidArgument`, `short-name "${input}" did not resolve to an alias and no unqualified-search registries are defined in ${where}`, {hint: `use a fully-qualified name such as docker.io/library/${parts.name}`});
  const candidates = conf.unqualifiedSearchRegistries.map(reg => qualify(`${reg}/${parts.name}`, parts));
  const several = candidates.length > 1 && conf.shortNameMode === `enforcing`;
  if (several && !opts.tty) {
    throw new TspodError(`InvalidArgument`,
      `short-name resolution enforced but cannot prompt without a TTY: "${input}" could be ${candidates.map(formatReference).join(`, `)}`,
      {hint: `use a fully-qualified reference, or add an alias for "${parts.name}" under [aliases] in registries.conf`});
  }
  return {candidates, source: `search`, origin: where, prompt: several};
}

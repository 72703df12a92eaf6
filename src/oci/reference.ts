// Image references as docker and podman parse them (the grammar of containers/image
// docker/reference): [domain/]path[:tag][@digest], with docker.io and library/
// filled in for names that give no registry. No I/O.
import {TspodError} from '../engine/errors';
import {isDigest} from './digest';
import type {Digest} from './digest';

export const DEFAULT_DOMAIN = `docker.io`;
export const LEGACY_DEFAULT_DOMAIN = `index.docker.io`;
export const OFFICIAL_REPO_PREFIX = `library/`;
export const DEFAULT_TAG = `latest`;
export const NAME_TOTAL_LENGTH_MAX = 255;

export interface ImageReference {
  /** Registry host[:port], e.g. `docker.io`, `localhost`, `127.0.0.1:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/alpine`. */
  path: string;
  tag?: string;
  /** When present, pulling uses the digest; the tag is kept for naming. */
  digest?: Digest;
  /** True when the input named no registry (`alpine`, `foo/bar`): registries.conf may resolve it. */
  short: boolean;
}

// Grammar pieces (docker/reference regexp.go, written out here).
const ALNUM = `[a-z0-9]+`;
const SEPARATOR = `(?:[._]|__|[-]+)`;
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`;
const IPV6 = `\\[(?:[a-fA-F0-9:]+)\\]`;
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const HOST = `(?:${DOMAIN_NAME}|${IPV6})`;
const DOMAIN = `${HOST}(?::[0-9]+)?`;
const TAG = `[\\w][\\w.-]{0,127}`;
const DIGEST = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`;

const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const TAG_RE = new RegExp(`^${TAG}$`);
const DIGEST_RE = new RegExp(`^${DIGEST}$`);
const ID_RE = /^[a-f0-9]{64}$/;

function invalid(why?: string): TspodError {
  return new TspodError(`InvalidArgument`, why ? `invalid reference format: ${why}` : `invalid reference format`);
}

/** True when `s` is a 64-hex image ID (docker refuses it as a repository name). */
export function isImageId(s: string): boolean {
  return ID_RE.test(s);
}

/** Splits `name` into domain and remainder as docker's splitDockerDomain does; `given` says whether the input named a registry. */
function splitDomain(name: string): {domain: string, remainder: string, given: boolean} {
  const i = name.indexOf(`/`);
  const first = i === -1 ? `` : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== `localhost` && first.toLowerCase() === first))
    return {domain: DEFAULT_DOMAIN, remainder: name, given: false};
  let domain = first;
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  return {domain, remainder: name.slice(i + 1), given: true};
}

/**
 * Parses a reference the way `podman pull` does (docker's ParseNormalizedNamed):
 * `alpine` → docker.io/library/alpine (no tag: see withDefaultTag), `host:5000/a/b:t@sha256:…`.
 */
export function parseReference(input: string): ImageReference {
  const s = input;
  if (s.length === 0) throw invalid(`repository name must have at least one component`);
  if (isImageId(s)) throw invalid(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  if (/\s/.test(s)) throw invalid(`"${s}" contains whitespace`);

  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf(`@`);
  if (at !== -1) {
    const d = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(d)) throw invalid(`invalid digest "${d}"`);
    const lower = d.toLowerCase();
    if (!lower.startsWith(`sha256:`) && !lower.startsWith(`sha512:`))
      throw invalid(`unsupported digest algorithm in "${d}"`);
    if (!isDigest(d)) throw invalid(`invalid digest "${d}": expected sha256: and 64 lowercase hex digits`);
    digest = d;
  }

  // The tag follows the last colon that comes after the last slash (a port colon precedes a slash).
  let tag: string | undefined;
  const colon = rest.lastIndexOf(`:`);
  if (colon > rest.lastIndexOf(`/`)) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag)) throw invalid(`invalid tag "${tag}": tags are up to 128 characters of letters, digits, _ . - and cannot start with . or -`);
  }
  const name = rest;
  if (name.length === 0) throw invalid(`repository name must have at least one component`);

  const {domain, remainder, given} = splitDomain(name);
  if (given && !DOMAIN_RE.test(domain)) throw invalid(`invalid registry "${domain}"`);
  if (remainder.length === 0) throw invalid(`repository name must have at least one component`);
  if (remainder.toLowerCase() !== remainder) throw invalid(`repository name must be lowercase`);
  if (!PATH_RE.test(remainder)) throw invalid(`invalid repository name "${remainder}"`);
  if (name.length > NAME_TOTAL_LENGTH_MAX)
    throw invalid(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);

  let path = remainder;
  if (domain === DEFAULT_DOMAIN && !path.includes(`/`)) path = OFFICIAL_REPO_PREFIX + path;
  const ref: ImageReference = {domain, path, short: !given};
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** Adds `:latest` when the reference has neither tag nor digest (docker's TagNameOnly). */
export function withDefaultTag(ref: ImageReference): ImageReference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return {...ref, tag: DEFAULT_TAG};
}

/** True when `s` is a registry as references write it: host or [IPv6], and an optional port. */
export function isRegistryDomain(s: string): boolean {
  return DOMAIN_RE.test(s);
}

/** True when the string names no registry, so registries.conf short-name rules apply. */
export function isShortName(input: string): boolean {
  return parseReference(input).short;
}

/** `domain/path`, e.g. `docker.io/library/alpine`. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full normalized string: `docker.io/library/alpine:latest`, `host/a@sha256:…`, `host/a:t@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** Docker's familiar form: `alpine:latest`, `foo/bar`, `quay.io/x/y:1`. */
export function familiarName(ref: ImageReference): string {
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path.startsWith(OFFICIAL_REPO_PREFIX) && !ref.path.slice(OFFICIAL_REPO_PREFIX.length).includes(`/`)
      ? ref.path.slice(OFFICIAL_REPO_PREFIX.length)
      : ref.path;
  }
  let s = name;
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** What to ask the registry for: the digest when there is one, else the tag (default latest). */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** Host to connect to for a reference's domain: docker.io's API lives at registry-1.docker.io. */
export function registryHost(domain: string): string {
  return domain === DEFAULT_DOMAIN ? `registry-1.docker.io` : domain;
}

/**
 * The name as the user typed it, without domain defaults, for short-name resolution:
 * `alpine:3` → {name: `alpine`, tag: `3`}; `foo/bar` stays `foo/bar` (no library/).
 */
export function shortNameParts(input: string): {name: string, tag?: string, digest?: Digest} {
  const ref = parseReference(input);
  if (!ref.short) throw new Error(`Assertion failed: shortNameParts of a qualified reference ${input}`);
  let name = input;
  const at = name.indexOf(`@`);
  if (at !== -1) name = name.slice(0, at);
  const colon = name.lastIndexOf(`:`);
  if (colon !== -1) name = name.slice(0, colon);
  const out: {name: string, tag?: string, digest?: Digest} = {name};
  if (ref.tag !== undefined) out.tag = ref.tag;
  if (ref.digest !== undefined) out.digest = ref.digest;
  return out;
}

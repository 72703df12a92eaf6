// Image names with a transport, as containers/image writes them (TRANSPORT:DETAILS,
// containers-transports(5)): `docker://REF` is a registry reference; the local
// transports name a path (`oci:DIR[:REF]`, `oci-archive:PATH[:REF]`,
// `docker-archive:PATH[:REF]`, `dir:DIR`). As in podman, a prefix that is no known
// transport leaves the input a registry reference (`localhost:5000/x`, `foo:bar`).
// No I/O.
import {TspodError} from '../engine/errors';
import {formatReference, parseReference, withDefaultTag} from './reference';

export type LocalTransport = `oci` | `oci-archive` | `docker-archive` | `dir`;

export type ImageName =
  | {transport: `docker`, reference: string}
  | {transport: LocalTransport, path: string, reference?: string};

const LOCAL: ReadonlyArray<LocalTransport> = [`oci`, `oci-archive`, `docker-archive`, `dir`];
/** Transports containers/image knows that tspod does not implement. */
const UNSUPPORTED = [`containers-storage`, `docker-daemon`, `ostree`, `sif`, `tarball`];

export function isLocalTransport(name: string): name is LocalTransport {
  return (LOCAL as ReadonlyArray<string>).includes(name);
}

/** The transport `input` names (`docker` for docker://), or undefined for a plain reference. */
export function transportOf(input: string): string | undefined {
  if (input.startsWith(`docker://`)) return `docker`;
  const colon = input.indexOf(`:`);
  const t = colon > 0 ? input.slice(0, colon) : ``;
  return isLocalTransport(t) || UNSUPPORTED.includes(t) ? t : undefined;
}

export function parseImageName(input: string): ImageName {
  if (input.startsWith(`docker://`)) return {transport: `docker`, reference: input.slice(`docker://`.length)};
  const colon = input.indexOf(`:`);
  if (colon <= 0) return {transport: `docker`, reference: input};
  const transport = input.slice(0, colon);
  const details = input.slice(colon + 1);
  if (UNSUPPORTED.includes(transport))
    throw new TspodError(`InvalidArgument`, `unsupported transport "${transport}" in ${JSON.stringify(input)}`, {hint: `use docker://, oci:, oci-archive:, docker-archive: or dir:`});
  if (!isLocalTransport(transport)) return {transport: `docker`, reference: input};
  // dir: is a path and nothing else; the others may name an image after the path's first colon.
  const cut = transport === `dir` ? -1 : details.indexOf(`:`);
  const path = cut === -1 ? details : details.slice(0, cut);
  const reference = cut === -1 ? `` : details.slice(cut + 1);
  if (path === ``)
    throw new TspodError(`InvalidArgument`, `invalid image name ${JSON.stringify(input)}: no path after ${transport}:`, {hint: `write ${transport}:PATH`});
  return reference === `` ? {transport, path} : {transport, path, reference};
}

/**
 * The name podman gives an image from an oci: directory: `localhost/` + the path as
 * typed, tagged latest. A path that makes no valid name (upper case, spaces) is
 * refused, as podman refuses it.
 */
export function localNameForPath(path: string): string {
  const name = `localhost/${path.replace(/^\/+/, ``).replace(/\/+$/, ``)}`;
  try {
    return formatReference(withDefaultTag(parseReference(name)));
  } catch (err) {
    throw new TspodError(`InvalidArgument`, `an image from ${path} is named after its path, and ${JSON.stringify(name)} is not a valid image name (${(err as Error).message})`, {hint: `copy or link the directory to a path in lower case letters, digits, '.', '_' and '-'`});
  }
}

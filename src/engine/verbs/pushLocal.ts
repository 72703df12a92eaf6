// `push IMAGE oci:DIR[:REF] | dir:DIR | oci-archive:PATH[:REF] | docker-archive:PATH[:REF]`:
// save's writers with podman's names for each destination (an OCI layout records
// REF as its ref.name, or no name; a docker-archive records REF besides the name
// pushed). Archives replace the file atomically, as podman overwrites it; a
// directory must not exist or be empty (podman would merge into an OCI layout).
import {createWriteStream} from 'node:fs';
import {finished} from 'node:stream/promises';
import {rename, unlink} from '../../util/fsp';
import {tempPathFor} from '../../util/atomicWrite';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {formatReference, isImageId, parseReference, withDefaultTag} from '../../oci/reference';
import type {LocalTransport} from '../../oci/transport';
import type {PushReport} from './push';
import {saveImages} from './save';
import type {SaveOptions} from './save';

const FORMAT: Record<LocalTransport, string> = {'oci': `oci-dir`, 'dir': `docker-dir`, 'oci-archive': `oci-archive`, 'docker-archive': `docker-archive`};

/** Full `host/repo:tag` names (a docker-archive's RepoTags); an image ID is no tag. */
function tags(inputs: Array<string>): Array<string> {
  const out: Array<string> = [];
  for (const n of inputs) {
    if (isImageId(n)) continue;
    const full = formatReference(withDefaultTag(parseReference(n)));
    if (!out.includes(full)) out.push(full);
  }
  return out;
}

export async function pushToLocal(ctx: EngineContext, image: string, dest: {transport: LocalTransport, path: string, reference?: string}): Promise<PushReport> {
  const format = FORMAT[dest.transport];
  const names = dest.transport === `dir` ? [] : dest.transport === `docker-archive` ? (dest.reference !== undefined ? tags([dest.reference, image]) : undefined) : (dest.reference !== undefined ? [dest.reference] : []);
  const opts: SaveOptions = {images: [image], format, ...(names !== undefined ? {names} : {})};
  const reference = `${dest.transport}:${dest.path}${dest.reference !== undefined ? `:${dest.reference}` : ``}`;
  if (format.endsWith(`-dir`)) {
    const [digest] = await saveImages(ctx, {...opts, directory: dest.path, noSaveEvent: true});
    return {reference, digest: digest!, pushed: 1, reused: 0};
  }
  const tmp = tempPathFor(dest.path);
  const ws = createWriteStream(tmp, {mode: 0o644});
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once(`open`, () => resolve());
      ws.once(`error`, err => reject(new TspodError(`InvalidArgument`, `cannot write ${dest.path}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, {hint: `check that its directory exists and is writable`})));
    });
    const [digest] = await saveImages(ctx, {...opts, output: ws, noSaveEvent: true});
    ws.end();
    await finished(ws);
    await rename(tmp, dest.path);
    return {reference, digest: digest!, pushed: 1, reused: 0};
  } catch (err) {
    ws.destroy();
    await finished(ws).catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

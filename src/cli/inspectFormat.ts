// `inspect --format TEMPLATE`: one rendered line per document; a template error is a
// usage error that names podman's field names (`hint`).
import {renderTemplate} from './goTemplate';
import {TspodError} from '../engine/errors';

/**
 * An image's Config as a Go template sees it: podman's struct has every field, while its
 * JSON (and the image's own) leaves the empty ones out; a template reads their zero values.
 */
const IMAGE_CONFIG_ZEROS = {User: ``, ExposedPorts: {}, Env: [], Entrypoint: [], Cmd: [], Volumes: {}, WorkingDir: ``, Labels: {}, StopSignal: ``};

/** A volume's fields podman's JSON leaves out when false or zero. */
const VOLUME_ZEROS = {Anonymous: false, NeedsChown: false, UID: 0, GID: 0, Timeout: 0};

function templateView(doc: unknown): unknown {
  if (!doc || typeof doc !== `object`) return doc;
  if (`Mountpoint` in doc && `Scope` in doc && `Driver` in doc) return {...VOLUME_ZEROS, ...doc};
  if (!(`RootFS` in doc) || !(`RepoTags` in doc)) return doc;
  const d = doc as {Config?: Record<string, unknown>};
  return {...d, Config: {...IMAGE_CONFIG_ZEROS, ...d.Config}};
}

export function renderInspect(format: string, docs: ReadonlyArray<unknown>, hint: string): Array<string> {
  return docs.map(doc => {
    try {
      return renderTemplate(format, templateView(doc));
    } catch (err) {
      throw new TspodError(`InvalidArgument`, `template: inspect: ${(err as Error).message}`, {hint});
    }
  });
}

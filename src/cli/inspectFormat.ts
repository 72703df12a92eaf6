// `inspect --format TEMPLATE`: one rendered line per document; a template error is a
// usage error that names podman's field names (`hint`).
import {renderTemplate} from './goTemplate';
import {TspodError} from '../engine/errors';

export function renderInspect(format: string, docs: ReadonlyArray<unknown>, hint: string): Array<string> {
  return docs.map(doc => {
    try {
      return renderTemplate(format, doc);
    } catch (err) {
      throw new TspodError(`InvalidArgument`, `template: inspect: ${(err as Error).message}`, {hint});
    }
  });
}

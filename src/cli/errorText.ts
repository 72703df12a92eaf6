// How a TspodError reads on stderr: `Error: MESSAGE`, then `  fix: HINT` when there is one
// (main.ts's reportError prints errors so; `exec` hands it to the helper that runs in
// tspod's place, which prints its own failures in the same words).
import type {TspodError} from '../engine/errors';

export function errorText(err: TspodError): string {
  return `Error: ${err.message}\n${err.hint ? `  fix: ${err.hint}\n` : ``}`;
}

// Multi-container verbs print what worked and report every failure; the last failure
// becomes the command's error (exit 125), as podman does.
import type {Writable} from 'node:stream';
import {isTspodError} from '../engine/errors';

export function reportBatch(stderr: Writable, errors: Array<unknown>): void {
  if (errors.length === 0) return;
  for (const e of errors.slice(0, -1)) {
    stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (isTspodError(e) && e.hint) stderr.write(`  hint: ${e.hint}\n`);
  }
  throw errors[errors.length - 1];
}

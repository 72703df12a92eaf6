// Multi-container verbs print what worked and report every failure; the last failure
// becomes the command's error (exit 125), as podman does.
import type {Writable} from 'node:stream';
import {isTspodError} from '../engine/errors';
import {errorText} from './errorText';

/** Each failure but the last on stderr; the last is thrown (main.ts prints it and exits 125). */
export function reportBatch(stderr: Writable, errors: Array<unknown>): void {
  if (errors.length === 0) return;
  printErrors(stderr, errors.slice(0, -1));
  throw errors[errors.length - 1];
}

export function printErrors(stderr: Writable, errors: Array<unknown>): void {
  for (const e of errors) stderr.write(isTspodError(e) ? errorText(e) : `Error: ${e instanceof Error ? e.message : String(e)}\n`);
}

/**
 * podman's status for `rm` and `volume rm` (their man pages): 1 when a target did not
 * exist, else 2 when one was running or in use, else 125; 0 with no failure.
 */
export function removalExitCode(errors: Array<unknown>): number {
  if (errors.length === 0) return 0;
  if (errors.some(e => isTspodError(e, `NoSuchContainer`) || isTspodError(e, `NoSuchVolume`))) return 1;
  if (errors.some(e => isTspodError(e, `CtrStateInvalid`))) return 2;
  return 125;
}

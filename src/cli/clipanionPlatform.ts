// Stands in for clipanion's `lib/platform/node.js` in the bundle (scripts/clipanionPatches.mjs).
// Clipanion's own requires node:tty at load, only to ask for a default colour depth
// tspod never uses (main.ts passes its own): 8 ms of every command's startup, more
// than half of it node:net, which commands that spawn nothing never need otherwise.
import {stdout} from './stdio';

export function getDefaultColorDepth(): number {
  if (process.env.FORCE_COLOR === `0`) return 1;
  if (process.env.FORCE_COLOR === `1`) return 8;
  return stdout.isTTY ? 8 : 1;
}

/** Output capture (clipanion's enableCapture) is off in tspod: no activator. */
export function getCaptureActivator(): null {
  return null;
}

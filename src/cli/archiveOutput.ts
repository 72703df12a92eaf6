// Where export/save write their archive: `-o FILE` (a temp file renamed into place
// when complete, so a failure leaves no partial archive) or stdout, never a terminal.
import {createWriteStream} from 'node:fs';
import {rename, unlink} from '../util/fsp';
import {finished} from 'node:stream/promises';
import {tempPathFor} from '../util/atomicWrite';
import {TspodError} from '../engine/errors';

export async function withArchiveOutput(file: string | undefined, stdout: {readonly isTTY: boolean, readonly stream: NodeJS.WritableStream}, fn: (out: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  if (file === undefined || file === `-`) {
    if (stdout.isTTY) throw new TspodError(`InvalidArgument`, `refusing to write an archive to a terminal`, {hint: `use -o FILE or redirect stdout`});
    await fn(stdout.stream);
    return;
  }
  const tmp = tempPathFor(file);
  const ws = createWriteStream(tmp, {mode: 0o644});
  try {
    await fn(ws);
    ws.end();
    await finished(ws);
    await rename(tmp, file);
  } catch (err) {
    // The file opens asynchronously: wait for the stream to close, or the unlink may
    // come before the open creates it (an early error left the temp file behind).
    ws.destroy();
    await finished(ws).catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

// A container's sizes as podman reports them (ps --size, inspect --size): its own bytes
// (the writable layer), and the virtual size, the image's with them.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {dirSize} from '../../util/dirSize';

/** Image id → size, from the images index beside the containers' (`overlay-images/images.json`). */
export function imageSizes(containersDir: string): Map<string, number> {
  const m = new Map<string, number>();
  try {
    const records = JSON.parse(readFileSync(containersDir.replace(/-containers$/, `-images/images.json`), `utf8`)) as Array<{id: string, size?: number}>;
    for (const r of records) m.set(r.id, r.size ?? 0);
  } catch {}
  return m;
}

export function containerSize(graphRoot: string, layer: string, imageSize: number): {rwSize: number, rootFsSize: number} {
  const upper = [join(graphRoot, `overlay`, layer, `diff`), join(graphRoot, `vfs`, `dir`, layer)];
  const rwSize = upper.map(dirSize).reduce((a, b) => a + b, 0);
  return {rwSize, rootFsSize: imageSize + rwSize};
}

// A second process for BlobStore.test.ts: puts a deterministic blob of SIZE bytes
// (seeded), in 64 KiB chunks, pausing DELAY ms between chunks (so a test can kill
// it mid-write). Prints the digest when done.
import {Readable} from 'node:stream';
import {BlobStore} from '../../../src/storage/BlobStore';

const [root, size, seed, delay] = process.argv.slice(2);
async function* chunks() {
  let left = Number(size);
  let i = 0;
  while (left > 0) {
    const n = Math.min(left, 65536);
    const b = Buffer.alloc(n, (Number(seed) + i++) % 256);
    left -= n;
    if (Number(delay) > 0) await new Promise(r => setTimeout(r, Number(delay)));
    yield b;
  }
}
void new BlobStore(root!).put(Readable.from(chunks())).then(info => process.stdout.write(`${info.digest}\n`));

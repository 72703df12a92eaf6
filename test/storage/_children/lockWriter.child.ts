// A second process for lockfile.test.ts: increments a counter file N times, each
// time read-sleep-write under the exclusive lock (lost updates if the lock fails).
import {readFileSync, writeFileSync} from 'node:fs';
import {LockFile} from '../../../src/storage/lockfile';

const [lockPath, counter, n] = process.argv.slice(2);
async function main(): Promise<void> {
  const lock = new LockFile(lockPath!);
  for (let i = 0; i < Number(n); i++) {
    await lock.withWrite(async () => {
      const v = Number(readFileSync(counter!, `utf8`) || `0`);
      await new Promise(r => setTimeout(r, 1));
      writeFileSync(counter!, String(v + 1));
      lock.recordWrite();
    });
  }
  lock.close();
}
void main();

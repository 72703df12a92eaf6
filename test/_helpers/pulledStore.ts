// A throwaway store with images pulled from the seeded registry before the file's
// tests, every container removed and the store (and scratch directory) deleted after.
import test from 'ava';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {tempStore} from './runCli';
import type {TempStore} from './runCli';
import {REGISTRY} from './registry';
import {registriesEnv} from './imageEnv';

export interface PulledStore {
  env: Record<string, string>;
  /** The store; valid once the file's `before` hooks have run. */
  readonly s: TempStore;
  /** A scratch directory for the file's tests, made on first use. */
  readonly dir: string;
  /** tspod with this store and env, optionally with standard input. */
  t(args: Array<string>, input?: string | Buffer): ReturnType<TempStore['run']>;
}

export function pulledStore(images: string | Array<string>, setup?: (p: PulledStore) => Promise<void>): PulledStore {
  const env = registriesEnv([REGISTRY]);
  let store: TempStore | undefined;
  let scratch: string | undefined;
  const p: PulledStore = {
    env,
    get s() {
      if (!store) throw new Error(`Assertion failed: the store is used before test.before ran`);
      return store;
    },
    get dir() {
      return scratch ??= mkdtempSync(join(tmpdir(), `tspod-test-scratch-`));
    },
    t: (args, input) => p.s.run(args, {env, ...(input !== undefined ? {input} : {})}),
  };
  test.before(async () => {
    store = tempStore();
    for (const image of typeof images === `string` ? [images] : images) {
      const r = await store.run([`pull`, image], {env});
      if (r.code !== 0) throw new Error(`pull ${image}: ${r.stderr}`);
    }
    if (setup) await setup(p);
  });
  test.after.always(async () => {
    await store?.run([`rm`, `-fa`, `-t`, `0`], {env});
    store?.cleanup();
    if (scratch) rmSync(scratch, {recursive: true, force: true});
  });
  return p;
}

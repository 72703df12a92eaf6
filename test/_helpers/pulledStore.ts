// A throwaway store with one image pulled from the seeded registry before the
// file's tests, every container removed and the store deleted after them.
import test from 'ava';
import {tempStore} from './runCli';
import type {TempStore} from './runCli';
import {REGISTRY} from './registry';
import {registriesEnv} from './imageEnv';

export interface PulledStore {
  env: Record<string, string>;
  /** The store; valid once the file's `before` hooks have run. */
  readonly s: TempStore;
  /** tspod with this store and env, optionally with standard input. */
  t(args: Array<string>, input?: string): ReturnType<TempStore['run']>;
}

export function pulledStore(image: string, setup?: (p: PulledStore) => Promise<void>): PulledStore {
  const env = registriesEnv([REGISTRY]);
  let store: TempStore | undefined;
  const p: PulledStore = {
    env,
    get s() {
      if (!store) throw new Error(`Assertion failed: the store is used before test.before ran`);
      return store;
    },
    t: (args, input) => p.s.run(args, {env, ...(input !== undefined ? {input} : {})}),
  };
  test.before(async () => {
    store = tempStore();
    const r = await store.run([`pull`, image], {env});
    if (r.code !== 0) throw new Error(`pull: ${r.stderr}`);
    if (setup) await setup(p);
  });
  test.after.always(async () => {
    await store?.run([`rm`, `-fa`], {env});
    store?.cleanup();
  });
  return p;
}

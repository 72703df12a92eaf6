// Where the built project is: test bundles live in dist/test/<area>/, so walk up.
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';

function findProject(): string {
  if (process.env.TSPOD_TEST_PROJECT) return process.env.TSPOD_TEST_PROJECT;
  let dir = __dirname;
  while (dir !== `/` && !existsSync(join(dir, `package.json`))) dir = dirname(dir);
  return dir;
}

export const PROJECT_DIR = findProject();
export const TSPOD_BIN = join(PROJECT_DIR, `dist/tspod.js`);
export const HELPER_BIN = join(PROJECT_DIR, `helpers/tspod-helper`);
export const SHARED_IMAGES = process.env.TSPOD_SHARED_IMAGES ?? join(PROJECT_DIR, `../shared/images`);

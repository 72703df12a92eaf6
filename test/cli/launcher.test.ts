// The launcher runs the bundle with V8's code cache: a cache V8 rejects would
// silently bring back the parse it exists to save.
import test from 'ava';
import {readFileSync} from 'node:fs';
import Module from 'node:module';
import vm from 'node:vm';
import {join} from 'node:path';
import {PROJECT_DIR} from '../_helpers/project';

test(`the build's code cache is accepted by this Node`, t => {
  const file = join(PROJECT_DIR, `dist/tspod-main.js`);
  const script = new vm.Script(Module.wrap(readFileSync(file, `latin1`)), {filename: file, cachedData: readFileSync(`${file}.cache`), importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER});
  t.false(script.cachedDataRejected);
});

test(`a real import() in the bundle works under the launcher`, async t => {
  const file = join(PROJECT_DIR, `dist/tspod-main.js`);
  const script = new vm.Script(`import('node:path').then(m => typeof m.join)`, {filename: file, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER});
  t.is(await script.runInThisContext(), `function`);
});

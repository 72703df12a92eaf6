import test from 'ava';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {engineRuntime} from '../../src/config/containersConf';

function dirs(t: {teardown: (f: () => void) => void}) {
  const base = mkdtempSync(join(tmpdir(), `tspod-cconf-`));
  t.teardown(() => rmSync(base, {recursive: true, force: true}));
  const paths = {systemContainersConfig: join(base, `etc`), userContainersConfig: join(base, `user`)};
  mkdirSync(paths.systemContainersConfig);
  mkdirSync(paths.userContainersConfig);
  return {base, paths};
}

test(`[engine] runtime: none, the system's, the user's over it, $CONTAINERS_CONF alone`, t => {
  const {base, paths} = dirs(t);
  t.is(engineRuntime({}, paths), undefined);
  writeFileSync(join(paths.systemContainersConfig, `containers.conf`), `[engine]\nruntime = "crun"\n[containers]\nlog_driver = "k8s-file"\n`);
  t.is(engineRuntime({}, paths), `crun`);
  writeFileSync(join(paths.userContainersConfig, `containers.conf`), `[containers]\n`);
  t.is(engineRuntime({}, paths), `crun`, `a file without the key keeps the earlier value`);
  writeFileSync(join(paths.userContainersConfig, `containers.conf`), `[engine]\nruntime = "runc"\n`);
  t.is(engineRuntime({}, paths), `runc`);
  const only = join(base, `only.conf`);
  writeFileSync(only, `[engine]\n`);
  t.is(engineRuntime({CONTAINERS_CONF: only}, paths), undefined);
});

test(`a broken containers.conf is a one-line error naming the file`, t => {
  const {paths} = dirs(t);
  const file = join(paths.userContainersConfig, `containers.conf`);
  writeFileSync(file, `[engine\nruntime = "runc"\n`);
  t.throws(() => engineRuntime({}, paths), {message: new RegExp(`^${file}: `)});
  writeFileSync(file, `[engine]\nruntime = 3\n`);
  t.throws(() => engineRuntime({}, paths), {message: /runtime must be a string/});
});

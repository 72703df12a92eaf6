import test from 'ava';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {certsDirs, findRegistry, isInsecureRegistry, loadRegistriesConf, pullSources, recordShortNameAlias, registriesConfFiles, resolveShortName} from '../../src/config/registriesConf';
import {formatReference, parseReference} from '../../src/oci/reference';
import {isTspodError} from '../../src/engine/errors';

function tree() {
  const dir = mkdtempSync(join(tmpdir(), `tspod-regconf-`));
  const paths = {userContainersConfig: join(dir, `user`), systemContainersConfig: join(dir, `etc`), userContainersCache: join(dir, `cache`)};
  mkdirSync(paths.userContainersConfig, {recursive: true});
  mkdirSync(paths.systemContainersConfig, {recursive: true});
  const write = (rel: string, text: string) => {
    const p = join(dir, rel);
    mkdirSync(join(p, `..`), {recursive: true});
    writeFileSync(p, text);
    return p;
  };
  return {dir, paths, write, cleanup: () => rmSync(dir, {recursive: true, force: true})};
}

test(`file lookup follows podman: user file if it exists, else /etc; env wins`, t => {
  const tr = tree();
  t.is(registriesConfFiles({}, tr.paths).main, join(tr.paths.systemContainersConfig, `registries.conf`));
  t.deepEqual(registriesConfFiles({}, tr.paths).dropInDirs, [join(tr.dir, `etc/registries.conf.d`), join(tr.dir, `user/registries.conf.d`)]);
  tr.write(`user/registries.conf`, ``);
  t.is(registriesConfFiles({}, tr.paths).main, join(tr.paths.userContainersConfig, `registries.conf`));
  t.is(registriesConfFiles({CONTAINERS_REGISTRIES_CONF: `/x.conf`}, tr.paths).main, `/x.conf`);
  // A per-user file replaces the system drop-ins too (containers/image newConfigWrapperWithHomeDir).
  t.deepEqual(registriesConfFiles({}, tr.paths).dropInDirs, [join(tr.dir, `user/registries.conf.d`)]);
  t.deepEqual(certsDirs(tr.paths), [join(tr.dir, `user/certs.d`), join(tr.dir, `etc/certs.d`), `/etc/docker/certs.d`]);
  tr.cleanup();
});

test(`drop-ins merge in order; same prefix replaced; aliases merged`, t => {
  const tr = tree();
  tr.write(`etc/registries.conf`, `
unqualified-search-registries = ["registry.fedoraproject.org", "docker.io"]
short-name-mode = "enforcing"
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"alpine" = "docker.io/library/alpine"
[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/foo"
insecure = true
`);
  tr.write(`etc/registries.conf.d/10-a.conf`, `
[aliases]
"alpine" = "quay.io/alpine/alpine"
[[registry]]
prefix = "example.com/foo"
location = "other.example.com/bar"
`);
  tr.write(`user/registries.conf.d/20-b.conf`, `unqualified-search-registries = ["quay.io"]\n`);
  tr.write(`user/registries.conf.d/ignored.txt`, `garbage = [`);
  const conf = loadRegistriesConf(registriesConfFiles({}, tr.paths));
  t.is(conf.files.length, 3);
  t.deepEqual(conf.unqualifiedSearchRegistries, [`quay.io`]);
  t.is(conf.shortNameMode, `enforcing`);
  t.is(conf.aliases.get(`alpine`)!.value, `quay.io/alpine/alpine`);
  t.is(conf.aliases.get(`fedora`)!.value, `registry.fedoraproject.org/fedora`);
  t.is(conf.registries.length, 1);
  t.is(findRegistry(conf, `example.com/foo/x`)!.location, `other.example.com/bar`);
  t.is(findRegistry(conf, `example.com/foo/x`)!.insecure, false);
  t.is(findRegistry(conf, `example.com/foobar`), undefined);
  tr.cleanup();
});

test(`pull sources: mirrors first, location rewriting, insecure, blocked, digest-only mirrors`, t => {
  const tr = tree();
  tr.write(`etc/registries.conf`, `
[[registry]]
prefix = "docker.io"
location = "docker.io"
[[registry.mirror]]
location = "mirror.local:5000/hub"
insecure = true
[[registry.mirror]]
location = "digests.local"
pull-from-mirror = "digest-only"

[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
prefix = "evil.example.com"
blocked = true

[[registry]]
prefix = "*.corp.example"
insecure = true
`);
  const conf = loadRegistriesConf(registriesConfFiles({}, tr.paths));
  const src = pullSources(conf, parseReference(`alpine:3`));
  t.deepEqual(src.map(s => [formatReference(s.ref), s.insecure, s.mirror]), [
    [`mirror.local:5000/hub/library/alpine:3`, true, true],
    [`docker.io/library/alpine:3`, false, false],
  ]);
  const D = `sha256:${`b`.repeat(64)}`;
  t.deepEqual(pullSources(conf, parseReference(`alpine@${D}`)).map(s => formatReference(s.ref)), [
    `mirror.local:5000/hub/library/alpine@${D}`, `digests.local/library/alpine@${D}`, `docker.io/library/alpine@${D}`,
  ]);
  t.true(pullSources(conf, parseReference(`127.0.0.1:5000/a/b`))[0]!.insecure);
  t.true(isInsecureRegistry(conf, `127.0.0.1:5000`));
  t.false(isInsecureRegistry(conf, `127.0.0.1:5001`));
  t.true(isInsecureRegistry(conf, `build.corp.example`));
  t.deepEqual(pullSources(conf, parseReference(`quay.io/a/b`)).map(s => formatReference(s.ref)), [`quay.io/a/b`]);
  const err = t.throws(() => pullSources(conf, parseReference(`evil.example.com/x:1`)));
  t.regex(err!.message, /^registry evil\.example\.com is blocked in registries\.conf/);
  tr.cleanup();
});

test(`short names: alias, cache before conf, search registries, enforcing without a tty`, t => {
  const tr = tree();
  tr.write(`user/registries.conf`, `
unqualified-search-registries = ["docker.io", "quay.io"]
short-name-mode = "enforcing"
[aliases]
"myimg" = "quay.io/me/myimg"
"cached" = "quay.io/from/conf"
`);
  tr.write(`cache/short-name-aliases.conf`, `[aliases]\n"cached" = "docker.io/from/cache"\n`);
  const conf = loadRegistriesConf(registriesConfFiles({}, tr.paths));
  const names = (input: string, tty = false) => resolveShortName(conf, input, {tty}).candidates.map(formatReference);
  t.deepEqual(names(`myimg:2`), [`quay.io/me/myimg:2`]);
  t.is(resolveShortName(conf, `myimg`, {tty: false}).source, `alias`);
  t.deepEqual(names(`cached`), [`docker.io/from/cache:latest`]);
  t.deepEqual(names(`quay.io/x/y`), [`quay.io/x/y:latest`]);
  const err = t.throws(() => resolveShortName(conf, `alpine`, {tty: false}));
  t.true(isTspodError(err, `InvalidArgument`));
  t.is(err!.message, `short-name resolution enforced but cannot prompt without a TTY: "alpine" could be docker.io/library/alpine:latest, quay.io/alpine:latest`);
  const r = resolveShortName(conf, `alpine`, {tty: true});
  t.true(r.prompt);
  t.deepEqual(r.candidates.map(formatReference), [`docker.io/library/alpine:latest`, `quay.io/alpine:latest`]);
  // A pick is recorded in the cache (kept beside the other entries) and wins next time.
  recordShortNameAlias(conf.aliasCacheFile, `alpine`, `quay.io/alpine`);
  t.deepEqual(names(`alpine:3`), [`quay.io/alpine:3`]);
  t.deepEqual(names(`cached`), [`docker.io/from/cache:latest`]);
  tr.cleanup();
});

test(`short names: permissive tries every search registry; none configured is an error`, t => {
  const tr = tree();
  const file = tr.write(`x.conf`, `unqualified-search-registries = ["127.0.0.1:5000", "docker.io"]\n`);
  const conf = loadRegistriesConf(registriesConfFiles({CONTAINERS_REGISTRIES_CONF: file}, tr.paths));
  const r = resolveShortName(conf, `foo/bar:1`, {tty: false});
  t.false(r.prompt);
  t.deepEqual(r.candidates.map(formatReference), [`127.0.0.1:5000/foo/bar:1`, `docker.io/foo/bar:1`]);
  const empty = loadRegistriesConf(registriesConfFiles({}, tr.paths));
  t.throws(() => resolveShortName(empty, `alpine`, {tty: false}), {message: /did not resolve to an alias and no unqualified-search registries are defined/});
  tr.cleanup();
});

test(`v1 tables and malformed files`, t => {
  const tr = tree();
  const v1 = tr.write(`v1.conf`, `[registries.search]\nregistries = ["docker.io"]\n[registries.insecure]\nregistries = ["localhost:5000"]\n[registries.block]\nregistries = ["bad.io"]\n`);
  const conf = loadRegistriesConf(registriesConfFiles({CONTAINERS_REGISTRIES_CONF: v1}, tr.paths));
  t.deepEqual(conf.unqualifiedSearchRegistries, [`docker.io`]);
  t.true(isInsecureRegistry(conf, `localhost:5000`));
  t.throws(() => pullSources(conf, parseReference(`bad.io/x`)), {message: /blocked/});
  const bad = tr.write(`bad.conf`, `unqualified-search-registries = [`);
  t.throws(() => loadRegistriesConf(registriesConfFiles({CONTAINERS_REGISTRIES_CONF: bad}, tr.paths)), {message: /bad\.conf: invalid TOML/});
  const mode = tr.write(`mode.conf`, `short-name-mode = "sometimes"`);
  t.throws(() => loadRegistriesConf(registriesConfFiles({CONTAINERS_REGISTRIES_CONF: mode}, tr.paths)), {message: /short-name-mode must be enforcing, permissive or disabled/});
  tr.cleanup();
});

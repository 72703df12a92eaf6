// NODE_EXTRA_CA_CERTS: the launcher hands it to tspod instead of Node (which would parse it
// at every start), and a registry signed by that CA must still be trusted.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {TSPOD_BIN} from '../_helpers/project';
import {makePki, PASSWORD, startTlsBasicRegistry, USER} from '../_helpers/registryServers';
import type {Registry} from '../_helpers/registryServers';

let pki: ReturnType<typeof makePki>;
let reg: Registry;
const dir = mkdtempSync(join(tmpdir(), `tspod-extra-ca-`));

test.before(async () => {
  pki = makePki();
  reg = await startTlsBasicRegistry(pki);
});
test.after.always(async () => {
  await reg?.stop();
  pki?.cleanup();
  rmSync(dir, {recursive: true, force: true});
});

/** `tspod login` run as a user runs it: the launcher executed, not handed to node. */
function login(extra: Record<string, string>) {
  const env = {
    PATH: process.env.PATH ?? `/usr/bin:/bin`, HOME: join(dir, `home`), XDG_RUNTIME_DIR: join(dir, `run`),
    XDG_CONFIG_HOME: join(dir, `config`), CONTAINERS_REGISTRIES_CONF: join(dir, `none.conf`), ...extra,
  };
  return spawnSync(TSPOD_BIN, [`login`, `-u`, USER, `--password-stdin`, reg.address], {input: `${PASSWORD}\n`, env, encoding: `utf8`});
}

test.serial(`a registry whose CA is in NODE_EXTRA_CA_CERTS is trusted, and Node never sees the variable`, t => {
  const seen = join(dir, `seen.json`);
  const preload = join(dir, `seen.cjs`);
  writeFileSync(preload, `require('fs').writeFileSync(${JSON.stringify(seen)}, JSON.stringify({node: process.env.NODE_EXTRA_CA_CERTS ?? null, tspod: process.env.TSPOD_EXTRA_CA_CERTS ?? null}));\n`);
  const r = login({NODE_EXTRA_CA_CERTS: pki.caCrt, NODE_OPTIONS: `-r ${preload}`});
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /Login Succeeded/);
  t.deepEqual(JSON.parse(readFileSync(seen, `utf8`)), {node: null, tspod: pki.caCrt});
});

test.serial(`without it the same registry is refused: the CA above is what made it trusted`, t => {
  const r = login({});
  t.is(r.status, 125);
  t.regex(r.stderr, /x509: .*certs\.d/);
});

test.serial(`an unreadable NODE_EXTRA_CA_CERTS is a warning, as in Node, and Node's own roots still apply`, t => {
  const r = login({NODE_EXTRA_CA_CERTS: join(dir, `missing.pem`)});
  t.is(r.status, 125);
  t.regex(r.stderr, /Ignoring extra certs from `.*missing\.pem`, load failed/);
  t.regex(r.stderr, /x509: /);
});

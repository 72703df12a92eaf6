import test from 'ava';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {
  parseVolume, parseMount, parseTmpfs, parseEnv, parseEnvFileText, parseEnvFile, mergeEnv, parseUserSpec,
  parseUlimit, parseUserns, parsePullPolicy, parseSecurityOpt, checkContainerName, checkHostname,
} from '../../../src/engine/run/options';
import {TspodError} from '../../../src/engine/errors';

const invalid = (t: any, fn: () => unknown, re: RegExp) => {
  const err = t.throws(fn, {instanceOf: TspodError});
  t.is(err.code, `InvalidArgument`);
  t.regex(err.message, re);
  t.false(err.message.includes(`\n`));
};

test(`-v bind with options`, t => {
  t.deepEqual(parseVolume(`/src:/dst:ro,z`, `/cwd`), {kind: `bind`, source: `/src`, destination: `/dst`, readonly: true, options: [], spec: `/src:/dst:ro,z`});
  t.is(parseVolume(`./rel:/dst`, `/cwd`).source, `/cwd/rel`);
  t.false(parseVolume(`/a:/b:rw,Z`, `/`).readonly);
  t.deepEqual(parseVolume(`/a:/b:nosuid,rprivate`, `/`).options, [`nosuid`, `rprivate`]);
});

test(`-v named and anonymous volumes`, t => {
  const v = parseVolume(`data:/var/lib/data`, `/`);
  t.is(v.kind, `volume`);
  t.is(v.source, `data`);
  t.is(parseVolume(`/anon`, `/`).source, ``);
  t.is(parseVolume(`/anon`, `/`).kind, `volume`);
  const ro = parseVolume(`/anon:ro`, `/`);
  t.is(ro.destination, `/anon`);
  t.true(ro.readonly);
});

test(`nocopy: -v NAME:/d:nocopy and --mount volume-nocopy; copy is the default`, t => {
  t.true(parseVolume(`data:/d:nocopy`, `/`).noCopy);
  t.true(parseVolume(`/anon:ro,nocopy`, `/`).noCopy);
  t.true(parseVolume(`/anon:ro,nocopy`, `/`).readonly);
  t.falsy(parseVolume(`data:/d:copy`, `/`).noCopy);
  t.falsy(parseVolume(`data:/d`, `/`).noCopy);
  t.true(parseMount(`type=volume,source=v,target=/d,volume-nocopy`, `/`).noCopy);
  t.falsy(parseMount(`type=volume,source=v,target=/d,volume-nocopy=false`, `/`).noCopy);
  invalid(t, () => parseVolume(`data:/d:copy,nocopy`, `/`), /cannot set both copy and nocopy/);
});

test(`-v errors are one line`, t => {
  invalid(t, () => parseVolume(`/a:/b:ro:extra`, `/`), /incorrect volume format/);
  invalid(t, () => parseVolume(`/a:b`, `/`), /invalid container path "b", must be an absolute path/);
  invalid(t, () => parseVolume(`/a::ro`, `/`), /incorrect volume format/);
  invalid(t, () => parseVolume(`/a:/b:bogus`, `/`), /invalid option "bogus"/);
  invalid(t, () => parseVolume(`/a:/b:ro,rw`, `/`), /both ro and rw/);
  invalid(t, () => parseVolume(`bad name:/b`, `/`), /invalid volume name/);
});

test(`--mount types`, t => {
  t.deepEqual(parseMount(`type=bind,source=/h,target=/c,readonly`, `/`), {kind: `bind`, source: `/h`, destination: `/c`, readonly: true, options: [], spec: `type=bind,source=/h,target=/c,readonly`});
  t.false(parseMount(`type=bind,src=/h,dst=/c,ro=false`, `/`).readonly);
  const v = parseMount(`type=volume,source=vol1,destination=/data`, `/`);
  t.is(v.kind, `volume`);
  t.is(v.source, `vol1`);
  const tm = parseMount(`type=tmpfs,target=/scratch,tmpfs-size=1m,tmpfs-mode=1777`, `/`);
  t.deepEqual(tm.options, [`size=1m`, `mode=1777`, `nosuid`, `nodev`]);
  t.deepEqual(parseMount(`type=bind,source=/h,target=/c,bind-propagation=rslave`, `/`).options, [`rslave`]);
  t.deepEqual(parseMount(`type=devpts,destination=/dev/pts,gid=5,mode=620`, `/`), {kind: `devpts`, source: ``, destination: `/dev/pts`, readonly: false, options: [`gid=5`, `mode=620`], spec: `type=devpts,destination=/dev/pts,gid=5,mode=620`});
  invalid(t, () => parseMount(`type=tmpfs,target=/t,uid=5`, `/`), /uid is an option of type=devpts/);
  invalid(t, () => parseMount(`type=devpts,source=x,target=/t`, `/`), /devpts mounts take no source/);
});

test(`--mount errors`, t => {
  invalid(t, () => parseMount(`source=/h,target=/c`, `/`), /has no type/);
  invalid(t, () => parseMount(`type=nfs,target=/c`, `/`), /unsupported mount type "nfs"/);
  invalid(t, () => parseMount(`type=bind,target=/c`, `/`), /has no source/);
  invalid(t, () => parseMount(`type=bind,source=/h`, `/`), /has no target/);
  invalid(t, () => parseMount(`type=bind,source=/h,target=rel`, `/`), /must be an absolute path/);
  invalid(t, () => parseMount(`type=bind,source=/h,target=/c,frob=1`, `/`), /unknown option "frob"/);
  invalid(t, () => parseMount(`type=tmpfs,target=/c,tmpfs-mode=abc`, `/`), /invalid tmpfs-mode/);
});

test(`--tmpfs`, t => {
  t.deepEqual(parseTmpfs(`/run/x`), {kind: `tmpfs`, source: ``, destination: `/run/x`, readonly: false, options: [`nosuid`, `nodev`], spec: `/run/x`});
  t.deepEqual(parseTmpfs(`/t:rw,size=64m,exec,mode=700`).options, [`size=64m`, `exec`, `mode=700`, `nosuid`, `nodev`]);
  invalid(t, () => parseTmpfs(`rel`), /must be an absolute path/);
  invalid(t, () => parseTmpfs(`/t:frob`), /invalid option "frob"/);
});

test(`-e forms`, t => {
  const host = {FOO: `host-foo`, PFX_A: `1`, PFX_B: `2`, OTHER: `x`};
  t.deepEqual(parseEnv(`A=b=c`, host), [[`A`, `b=c`]]);
  t.deepEqual(parseEnv(`EMPTY=`, host), [[`EMPTY`, ``]]);
  t.deepEqual(parseEnv(`FOO`, host), [[`FOO`, `host-foo`]]);
  t.deepEqual(parseEnv(`UNSET`, host), []);
  t.deepEqual(parseEnv(`PFX_*`, host), [[`PFX_A`, `1`], [`PFX_B`, `2`]]);
  invalid(t, () => parseEnv(`=x`, host), /name is empty/);
  invalid(t, () => parseEnv(`A B=x`, host), /white space/);
});

test(`env-file syntax`, t => {
  const text = `# comment\n\n  A=1\nFOO\nC="quoted"\r\nUNSET\nD=x y\n`;
  t.deepEqual(parseEnvFileText(text, {FOO: `f`}, `f.env`), [[`A`, `1`], [`FOO`, `f`], [`C`, `"quoted"`], [`D`, `x y`]]);
});

test(`env-file: a key with white space names the line`, t => {
  invalid(t, () => parseEnvFileText(`A=1\nB C=2\n`, {}, `f.env`), /f\.env line 2/);
});

test(`env-file read errors`, t => {
  const dir = mkdtempSync(join(tmpdir(), `envf-`));
  writeFileSync(join(dir, `e`), `X=1\n`);
  t.deepEqual(parseEnvFile(join(dir, `e`), {}), [[`X`, `1`]]);
  invalid(t, () => parseEnvFile(join(dir, `missing`), {}), /cannot read env file .*ENOENT/);
});

test(`mergeEnv: later wins, first position kept`, t => {
  t.deepEqual(mergeEnv([[`A`, `1`], [`B`, `2`]], [[`A`, `3`]]), [`A=3`, `B=2`]);
});

test(`user spec`, t => {
  t.deepEqual(parseUserSpec(`nobody`), {user: `nobody`});
  t.deepEqual(parseUserSpec(`1000:wheel`), {user: `1000`, group: `wheel`});
  invalid(t, () => parseUserSpec(`a:b:c`), /invalid user/);
  invalid(t, () => parseUserSpec(`:b`), /invalid user/);
});

test(`ulimit`, t => {
  t.deepEqual(parseUlimit(`nofile=1024:2048`), {type: `RLIMIT_NOFILE`, soft: 1024, hard: 2048});
  t.deepEqual(parseUlimit(`nproc=50`), {type: `RLIMIT_NPROC`, soft: 50, hard: 50});
  t.is(parseUlimit(`core=-1`).hard, 2 ** 64 - 1);
  invalid(t, () => parseUlimit(`nofile`), /want type=soft\[:hard\]/);
  invalid(t, () => parseUlimit(`bogus=1`), /invalid ulimit type "bogus"/);
  invalid(t, () => parseUlimit(`nofile=10:5`), /soft limit must be less than or equal to hard limit/);
});

test(`userns, pull policy, security-opt, names`, t => {
  t.deepEqual(parseUserns(`keep-id`), {mode: `keep-id`});
  t.deepEqual(parseUserns(`keep-id:uid=10,gid=20`), {mode: `keep-id`, uid: 10, gid: 20});
  t.deepEqual(parseUserns(undefined), {mode: `default`});
  t.deepEqual(parseUserns(`host`), {mode: `default`}, `rootless, podman's host is the caller's namespace: tspod's default mapping`);
  invalid(t, () => parseUserns(`weird`), /invalid --userns/);
  t.is(parsePullPolicy(`Always`), `always`);
  t.is(parsePullPolicy(undefined), `missing`);
  invalid(t, () => parsePullPolicy(`sometimes`), /invalid pull policy/);
  t.deepEqual(parseSecurityOpt(`no-new-privileges`), {noNewPrivileges: true});
  t.deepEqual(parseSecurityOpt(`label=disable`), {});
  invalid(t, () => parseSecurityOpt(`frob`), /invalid --security-opt/);
  t.is(checkContainerName(`web-1.a_b`), `web-1.a_b`);
  invalid(t, () => checkContainerName(`-x`), /invalid container name/);
  t.is(checkHostname(`box`), `box`);
  invalid(t, () => checkHostname(`bad_host!`), /invalid hostname/);
});

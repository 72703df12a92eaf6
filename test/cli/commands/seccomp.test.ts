// The seccomp filter, end to end as the unprivileged test user: tspod's default profile
// refuses what podman's refuses, with podman's errors; --privileged and seccomp=unconfined
// have none; a profile file in podman's format is compiled and enforced; exec gets the
// container's filter. A static probe (compiled here) makes the raw system calls.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {chmodSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const fx = pulledStore(ALPINE);
const {t} = fx;

// x86_64 numbers (the suite runs on x86_64 Debian).
const NR = {personality: 135, socket: 41, sethostname: 170, add_key: 248, getppid: 110, mkdir: 83, mkdirat: 258};

const PROBE_C = `#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
/* probe NR [ARG...]: "ok RESULT" or "errno N" */
int main (int argc, char **argv) {
  long a[6] = {0}, r;
  for (int i = 2; i < argc && i < 8; i++) a[i - 2] = strtol (argv[i], NULL, 0);
  r = syscall (strtol (argv[1], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
  if (r < 0) printf ("errno %d\\n", errno); else printf ("ok %ld\\n", r);
  return 0;
}
`;

let probe = ``;
test.before(() => {
  const src = join(fx.dir, `probe.c`);
  probe = join(fx.dir, `probe`);
  writeFileSync(src, PROBE_C);
  const cc = spawnSync(`gcc`, [`-static`, `-O1`, `-o`, probe, src], {encoding: `utf8`});
  if (cc.status !== 0) throw new Error(`gcc -static (install.sh installs gcc and libc6-dev): ${cc.stderr}`);
  chmodSync(probe, 0o755);
});

async function call(flags: Array<string>, ...args: Array<string | number>): Promise<string> {
  const r = await t([`run`, `--rm`, `--network`, `none`, `-v`, `${probe}:/probe:ro`, ...flags, ALPINE, `/probe`, ...args.map(String)]);
  if (r.code !== 0) throw new Error(`probe ${args.join(` `)}: exit ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

test(`a container has a seccomp filter; --privileged and seccomp=unconfined have none`, async tt => {
  const status = async (flags: Array<string>) => (await t([`run`, `--rm`, `--network`, `none`, ...flags, ALPINE, `grep`, `^Seccomp:`, `/proc/self/status`])).stdout.trim();
  tt.is(await status([]), `Seccomp:\t2`);
  tt.is(await status([`--security-opt`, `seccomp=unconfined`]), `Seccomp:\t0`);
  tt.is(await status([`--privileged`]), `Seccomp:\t0`);
  // inspect says so as podman's does.
  const c = await t([`create`, `--name`, `sc-unconfined`, `--security-opt`, `seccomp=unconfined`, ALPINE, `true`]);
  tt.is(c.code, 0, c.stderr);
  tt.is((await t([`inspect`, `--format`, `{{json .HostConfig.SecurityOpt}}`, `sc-unconfined`])).stdout.trim(), `["seccomp=unconfined"]`);
  await t([`rm`, `sc-unconfined`]);
});

test(`the default profile: ENOSYS for the kernel keyring and ASLR off, EINVAL for an audit socket, as podman; the rest passes`, async tt => {
  tt.is(await call([], NR.add_key), `errno 38`);
  // Without the filter the kernel itself answers (EFAULT for the null type).
  tt.is(await call([`--security-opt`, `seccomp=unconfined`], NR.add_key), `errno 14`);
  // personality: the query and the usual personas pass, ADDR_NO_RANDOMIZE does not.
  tt.regex(await call([], NR.personality, `0xffffffff`), /^ok /);
  tt.regex(await call([], NR.personality, 8), /^ok /);
  tt.is(await call([], NR.personality, `0x40000`), `errno 38`);
  tt.regex(await call([`--security-opt`, `seccomp=unconfined`], NR.personality, `0x40000`), /^ok /);
  // socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT) needs AUDIT_WRITE.
  tt.is(await call([], NR.socket, 16, 3, 9), `errno 22`);
  tt.regex(await call([`--cap-add`, `AUDIT_WRITE`], NR.socket, 16, 3, 9), /^ok \d+$/);
  tt.regex(await call([], NR.getppid), /^ok 0$/);
});

test(`a capability lifts its calls: sethostname with SYS_ADMIN`, async tt => {
  const r = await t([`run`, `--rm`, `--network`, `none`, `--cap-add`, `SYS_ADMIN`, ALPINE, `sh`, `-c`, `hostname renamed && hostname`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout.trim(), `renamed`);
  tt.is(await call([], NR.sethostname, 0, 0), `errno 1`);
});

test(`exec runs under the container's filter`, async tt => {
  const name = `sc-exec`;
  tt.is((await t([`run`, `-d`, `--name`, name, `--network`, `none`, `-v`, `${probe}:/probe:ro`, ALPINE, `sleep`, `1000`])).code, 0);
  tt.teardown(() => t([`rm`, `-f`, `-t`, `0`, name]));
  const r = await t([`exec`, name, `/probe`, String(NR.add_key)]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout.trim(), `errno 38`);
  tt.is((await t([`exec`, name, `grep`, `^Seccomp:`, `/proc/self/status`])).stdout.trim(), `Seccomp:\t2`);
});

test(`seccomp=PROFILE.json: podman's format, with errno, argument and kill rules and capability includes`, async tt => {
  const profile = join(fx.dir, `deny.json`);
  writeFileSync(profile, JSON.stringify({
    defaultAction: `SCMP_ACT_ALLOW`,
    architectures: [`SCMP_ARCH_X86_64`],
    syscalls: [
      {names: [`mkdir`, `mkdirat`], action: `SCMP_ACT_ERRNO`, errnoRet: 13},
      // personality(8) only: the query still passes.
      {names: [`personality`], action: `SCMP_ACT_ERRNO`, errnoRet: 22, args: [{index: 0, value: 8, valueTwo: 0, op: `SCMP_CMP_EQ`}]},
      // A 64-bit comparison: getppid's (ignored) first argument above 2^32.
      {names: [`getppid`], action: `SCMP_ACT_ERRNO`, errnoRet: 7, args: [{index: 0, value: 4294967296, op: `SCMP_CMP_GE`}]},
      {names: [`getpriority`], action: `SCMP_ACT_KILL_PROCESS`},
      // Only for a container without SYS_ADMIN.
      {names: [`getcwd`], action: `SCMP_ACT_ERRNO`, errnoRet: 1, excludes: {caps: [`CAP_SYS_ADMIN`]}},
    ],
  }));
  const opt = [`--security-opt`, `seccomp=${profile}`];
  const mk = await t([`run`, `--rm`, `--network`, `none`, ...opt, ALPINE, `mkdir`, `/x`]);
  tt.is(mk.code, 1);
  tt.regex(mk.stderr, /Permission denied/);
  tt.is(await call(opt, NR.personality, 8), `errno 22`);
  tt.regex(await call(opt, NR.personality, `0xffffffff`), /^ok /);
  tt.is(await call(opt, NR.getppid, `0x100000000`), `errno 7`);
  tt.is(await call(opt, NR.getppid, `0xffffffff`), `ok 0`);
  tt.is(await call(opt, 79, 0, 0), `errno 1`);
  // The kernel's own answer to getcwd(NULL, 0): ERANGE.
  tt.is(await call([...opt, `--cap-add`, `SYS_ADMIN`], 79, 0, 0), `errno 34`);
  // Killed by SIGSYS: 128 + 31.
  const killed = await t([`run`, `--rm`, `--network`, `none`, `-v`, `${probe}:/probe:ro`, ...opt, ALPINE, `/probe`, `140`, `0`, `0`]);
  tt.is(killed.code, 159, killed.stderr);
  // The default profile's refusals are gone: this profile allows add_key.
  tt.is(await call(opt, NR.add_key), `errno 14`);
});

test(`a bad seccomp profile is refused when the container is made, with what is wrong`, async tt => {
  const notJson = join(fx.dir, `bad.json`);
  writeFileSync(notJson, `{"defaultAction": `);
  const r1 = await t([`create`, `--name`, `sc-bad`, `--security-opt`, `seccomp=${notJson}`, ALPINE, `true`]);
  tt.is(r1.code, 125);
  tt.regex(r1.stderr, /^Error: seccomp profile \/.*bad\.json: not JSON/);
  const badAction = join(fx.dir, `action.json`);
  writeFileSync(badAction, JSON.stringify({defaultAction: `SCMP_ACT_ALLOW`, syscalls: [{names: [`mkdir`], action: `SCMP_ACT_NOTIFY`}]}));
  const r2 = await t([`create`, `--name`, `sc-bad`, `--security-opt`, `seccomp=${badAction}`, ALPINE, `true`]);
  tt.is(r2.code, 125);
  tt.regex(r2.stderr, /seccomp action "SCMP_ACT_NOTIFY" is not supported/);
  const missing = await t([`create`, `--name`, `sc-bad`, `--security-opt`, `seccomp=${join(fx.dir, `nope.json`)}`, ALPINE, `true`]);
  tt.is(missing.code, 125);
  tt.regex(missing.stderr, /nope\.json: no such file/);
  tt.is((await t([`container`, `exists`, `sc-bad`])).code, 1, `no container was made`);
});

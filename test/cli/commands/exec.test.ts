// `exec` end to end: joins the running container's namespaces; exit codes, -e,
// -u, -w, -i, -d, --privileged; refused on a stopped container.
import test from 'ava';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE, async p => {
  const d = await p.s.run([`run`, `-d`, `--name`, `ex`, `-e`, `FOO=bar`, `--hostname`, `exhost`, ALPINE, `sleep`, `1000`], {env});
  if (d.code !== 0) throw new Error(`run -d: ${d.stderr}`);
});
const {env, t} = pulled;

test(`exec runs in the container's namespaces with its environment`, async tt => {
  const r = await t([`exec`, `ex`, `sh`, `-c`, `echo $FOO; hostname; cat /etc/alpine-release; echo $$; readlink /proc/1/exe`]);
  tt.is(r.code, 0, r.stderr);
  const [foo, host, rel, pid, init] = r.stdout.trim().split(`\n`);
  tt.is(foo, `bar`);
  tt.is(host, `exhost`);
  tt.regex(rel!, /^3\.20/);
  tt.not(pid, `1`);
  tt.is(init, `/bin/busybox`); // sleep is busybox: pid 1 of the container
});

test(`exec's exit code is the command's; 127 not found, 126 not executable`, async tt => {
  tt.is((await t([`exec`, `ex`, `sh`, `-c`, `exit 42`])).code, 42);
  const nf = await t([`exec`, `ex`, `nonexistent-cmd`]);
  tt.is(nf.code, 127);
  // One error, said once (the helper's own line is not repeated), in podman's words.
  tt.regex(nf.stderr, /^Error: executable file `nonexistent-cmd` not found in \$PATH: no such file or directory\n  fix: [^\n]+\n$/);
  tt.is((await t([`exec`, `ex`, `/etc/passwd`])).code, 126);
});

test(`exec -e, -u, -w`, async tt => {
  const r = await t([`exec`, `-e`, `A=1`, `-u`, `nobody`, `-w`, `/tmp`, `ex`, `sh`, `-c`, `echo $A $(id -un) $(pwd) $FOO`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout.trim(), `1 nobody /tmp bar`);
  tt.regex((await t([`exec`, `-u`, `1234:5678`, `ex`, `id`])).stdout.trim(), /^uid=1234 gid=5678\b/);
});

test(`exec -i passes stdin; without -i the command gets no stdin`, async tt => {
  tt.is((await t([`exec`, `-i`, `ex`, `cat`], `hello in\n`)).stdout, `hello in\n`);
  tt.is((await t([`exec`, `ex`, `cat`], `ignored\n`)).stdout, ``);
});

test(`exec --privileged gets every capability`, async tt => {
  const plain = (await t([`exec`, `ex`, `sh`, `-c`, `grep CapEff /proc/self/status`])).stdout;
  const priv = (await t([`exec`, `--privileged`, `ex`, `sh`, `-c`, `grep CapEff /proc/self/status`])).stdout;
  tt.not(plain, priv);
  tt.regex(priv, /CapEff:\s+000001ffffffffff|CapEff:\s+0000003fffffffff|CapEff:\s+000000ffffffffff/);
});

test(`exec -d returns at once; the command runs`, async tt => {
  const r = await t([`exec`, `-d`, `ex`, `sh`, `-c`, `echo done > /tmp/bg`]);
  tt.is(r.code, 0, r.stderr);
  tt.regex(r.stdout.trim(), /^[0-9a-f]{64}$/);
  for (let i = 0; i < 100; i++) {
    if ((await t([`exec`, `ex`, `cat`, `/tmp/bg`])).stdout === `done\n`) return tt.pass();
    await new Promise(res => setTimeout(res, 50));
  }
  tt.fail(`background exec did not run`);
});

test(`exec into a stopped container names the state`, async tt => {
  tt.is((await t([`create`, `--name`, `exc`, ALPINE, `true`])).code, 0);
  const r = await t([`exec`, `exc`, `true`]);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /can only create exec sessions on running containers: container state improper/);
  tt.regex(r.stderr, /created/);
});

test(`exec leaks no file descriptors into the container`, async tt => {
  const r = await t([`exec`, `ex`, `ls`, `/proc/self/fd`]);
  tt.deepEqual(r.stdout.trim().split(`\n`).sort(), [`0`, `1`, `2`, `3`]); // 3: ls's own directory fd
});

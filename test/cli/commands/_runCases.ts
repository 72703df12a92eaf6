// `tspod run` end to end, as the unprivileged test user, against images from the
// seeded registry: podman's flags, exit codes, bad input, and the isolation checks.
// The same cases run with the built-in runtime (run.test.ts) and with runc
// (run-runc.test.ts, `--runtime runc` on every command): where runc cannot do what
// the built-in runtime does, the case checks the refusal instead.
import test from 'ava';
import type {TestFn} from 'ava';
import {spawn, spawnSync} from 'node:child_process';
import {chmodSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, statfsSync, writeFileSync, existsSync} from 'node:fs';
import {tmpdir, userInfo} from 'node:os';
import {join} from 'node:path';
import {tempStore} from '../../_helpers/runCli';
import type {CliResult, RunOpts, TempStore} from '../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {TSPOD_BIN} from '../../_helpers/project';
import {containerRecords, registriesEnv} from '../../_helpers/imageEnv';

export type Runtime = `builtin` | `runc`;

/** Does this process have a controlling terminal (runc relays -t through one)? */
export function hasControllingTerminal(): boolean {
  try {
    closeSync(openSync(`/dev/tty`, `r`));
    return true;
  } catch {
    return false;
  }
}

export const containers = containerRecords;

export interface RunCasesContext {
  runtime: Runtime;
  env: Record<string, string>;
  /** The file's store (set by its before hook). */
  store: () => TempStore;
  /** tspod with the store and the runtime's global flags. */
  cli: (args: Array<string>, opts?: RunOpts) => Promise<CliResult>;
  /** `tspod run` started in the background; `ready` once its output says `ready`. */
  spawnRun: (args: Array<string>) => {child: ReturnType<typeof spawn>, ready: Promise<void>, done: Promise<{code: number | null, out: string}>};
}

/** Registers every `run` case for `runtime`; `it` is `test`, or a gate that skips when the runtime is missing. */
export function runCases(runtime: Runtime, it: TestFn = test): RunCasesContext {
  const globals = runtime === `runc` ? [`--runtime`, `runc`] : [];
  const env = registriesEnv([REGISTRY]);
  const ALPINE = SEEDED.alpine;
  const BUSYBOX = SEEDED.busyboxGlibc;
  let s: TempStore;

  test.before(async () => {
    s = tempStore();
    for (const img of [ALPINE, BUSYBOX]) {
      const r = await s.run([`pull`, img], {env});
      if (r.code !== 0) throw new Error(`pull ${img}: ${r.stderr}`);
    }
  });
  test.after.always(() => s?.cleanup());

  const cli = (args: Array<string>, opts: RunOpts = {}) => s.run([...globals, ...args], opts);
  const run = (args: Array<string>, opts: {input?: string} = {}) => cli([`run`, ...args], {env, ...opts});

  function hostDir(): string {
    const d = mkdtempSync(join(tmpdir(), `tspod-run-bind-`));
    chmodSync(d, 0o755);
    return d;
  }

  // ---------------------------------------------------------------- basics and exit codes

  it(`runs a command and passes its output and exit status through`, async t => {
    const r = await run([`--rm`, ALPINE, `sh`, `-c`, `echo hello; echo err >&2; exit 7`]);
    t.is(r.code, 7);
    t.is(r.stdout, `hello\n`);
    t.is(r.stderr, `err\n`);
  });

  it(`flags after the image belong to the command`, async t => {
    const r = await run([`--rm`, ALPINE, `ls`, `-d`, `--`, `/etc`]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, `/etc\n`);
  });

  it(`the image's Cmd runs when no command is given; busybox (glibc) works too`, async t => {
    const r = await run([`--rm`, BUSYBOX], {input: `echo from-stdin\n`});
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, ``, `without -i, stdin is not attached`);
    const i = await run([`--rm`, `-i`, BUSYBOX], {input: `echo from-stdin\n`});
    t.is(i.code, 0, i.stderr);
    t.is(i.stdout, `from-stdin\n`);
  });

  it(`127 for a missing command, 126 for a directory, nothing left behind`, async t => {
    const nf = await run([`--rm`, `--name`, `nf-127`, ALPINE, `nosuchcommand`]);
    t.is(nf.code, 127);
    t.regex(nf.stderr, /nosuchcommand/);
    const dir = await run([`--rm`, `--name`, `dir-126`, ALPINE, `/etc`]);
    t.is(dir.code, 126);
    t.regex(dir.stderr, /\/etc/);
    t.false(containers(s.root).some(c => c.names.includes(`nf-127`) || c.names.includes(`dir-126`)));
    // Without --rm the container stays, as podman's does.
    const kept = await run([`--name`, `nf-kept`, ALPINE, `nosuchcommand`]);
    t.is(kept.code, 127);
    t.true(containers(s.root).some(c => c.names.includes(`nf-kept`)));
  });

  it(`bad input: one line, exit 125 (126 for a missing user), nothing created`, async t => {
    const cases: Array<[Array<string>, RegExp]> = [
      [[`-v`, `/nonexistent-src:/x`], /^Error: statfs \/nonexistent-src: no such file or directory$/m],
      [[`-v`, `/tmp:/a:ro:x`], /^Error: incorrect volume format/m],
      [[`-v`, `/tmp:relative`], /^Error: invalid container path "relative", must be an absolute path$/m],
      [[`--mount`, `type=bind,target=/x`], /^Error: --mount .* has no source$/m],
      [[`--ulimit`, `nofile=bad`], /^Error: invalid ulimit/m],
      [[`--cgroupns`, `ns:/proc/1/ns/cgroup`], /^Error: --cgroupns ns:\/proc\/1\/ns\/cgroup is not supported by tspod/m],
      [[`--cgroupns`, `sometimes`], /^Error: invalid --cgroupns "sometimes"$/m],
      [[`--systemd`, `always`], /^Error: --systemd always is not supported/m],
      [[`--network-alias`, `web`], /^Error: invalid config provided: networks and static ip\/mac address can only be used with Bridge mode networking$/m],
      [[`--ip`, `10.88.0.5`], /^Error: invalid config provided: networks and static ip/m],
      [[`--userns`, `auto`], /^Error: --userns auto is not supported/m],
      [[`--memory`, `64m`], /^Error: cannot apply --memory: /m], // src/cgroups: refused where not delegated
      [[`--cpus`, `1`, `--pids-limit`, `5`], /^Error: cannot apply --cpus, --pids-limit: /m],
      [[`--pull`, `sometimes`], /^Error: invalid pull policy "sometimes"$/m],
      [[`--cap-add`, `NOT_A_CAP`], /^Error: unknown capability "NOT_A_CAP"$/m],
    ];
    let i = 0;
    for (const [flags, re] of cases) {
      const r = await run([...flags, `--name`, `bad-${i++}`, ALPINE, `true`]);
      t.is(r.code, 125, `${flags.join(` `)}: ${r.stderr}`);
      t.regex(r.stderr, re, flags.join(` `));
      t.false(/\n\s+at /.test(r.stderr), `no stack trace for ${flags.join(` `)}`);
    }
    // A user the image lacks: podman's run exits 126 (the command cannot be run as them); nothing is created.
    const u = await run([`-u`, `nosuchuser`, `--name`, `bad-user`, ALPINE, `true`]);
    t.is(u.code, 126, u.stderr);
    t.regex(u.stderr, /^Error: unable to find user nosuchuser: no matching entries in passwd file$/m);
    t.false(containers(s.root).some(c => c.names.some(n => n.startsWith(`bad-`))));
  });

  it(`--pull never fails for an image that is not local; missing pulls it`, async t => {
    const other = tempStore();
    t.teardown(() => other.cleanup());
    const never = await other.run([...globals, `run`, `--rm`, `--pull`, `never`, ALPINE, `true`], {env});
    t.is(never.code, 125);
    t.regex(never.stderr, /image not known/);
    const missing = await other.run([...globals, `run`, `--rm`, ALPINE, `echo`, `pulled`], {env});
    t.is(missing.code, 0, missing.stderr);
    t.is(missing.stdout.trim().split(`\n`).pop(), `pulled`);
    const always = await other.run([...globals, `run`, `--rm`, `--pull`, `always`, `-q`, ALPINE, `echo`, `again`], {env});
    t.is(always.code, 0, always.stderr);
    t.regex(always.stdout, /again\n$/);
  });

  // ---------------------------------------------------------------- isolation

  it(`PID 1 is the command and host processes are invisible`, async t => {
    const r = await run([`--rm`, ALPINE, `sh`, `-c`, `echo $$; ls /proc | grep -c '^[0-9]'`]);
    t.is(r.code, 0, r.stderr);
    const [pid, count] = r.stdout.trim().split(`\n`);
    t.is(pid, `1`);
    t.true(Number(count) <= 3, `sees ${count} processes`);
  });

  it(`uid_map shows the subordinate mapping; container root is the user`, async t => {
    const r = await run([`--rm`, ALPINE, `cat`, `/proc/self/uid_map`, `/proc/self/gid_map`]);
    t.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split(`\n`).map(l => l.trim().split(/\s+/).map(Number));
    const me = userInfo();
    t.deepEqual(lines[0], [0, me.uid, 1]);
    const sub = readFileSync(`/etc/subuid`, `utf8`).split(`\n`).map(l => l.split(`:`)).find(f => f[0] === me.username || f[0] === String(me.uid));
    t.truthy(sub, `the test user has subordinate uids`);
    t.deepEqual(lines[1], [1, Number(sub![1]), Number(sub![2])]);
    // podman's rootless defaults, named: the same mapping, the caller's cgroup namespace, no systemd mode.
    const named = await run([`--rm`, `--userns`, `host`, `--cgroupns`, `host`, `--systemd`, `false`, ALPINE, `sh`, `-c`, `cat /proc/self/uid_map; readlink /proc/self/ns/cgroup`]);
    t.is(named.code, 0, named.stderr);
    t.deepEqual(named.stdout.trim().split(`\n`).slice(0, 2).map(l => l.trim().split(/\s+/).map(Number)), lines.slice(0, 2));
    t.is(named.stdout.trim().split(`\n`)[2], readlinkSync(`/proc/self/ns/cgroup`));
  });

  it(`--cgroupns private: a cgroup namespace of its own, rooted at the container's cgroup (runc: refused, it keeps the caller's)`, async t => {
    const r = await run([`--name`, `cgns`, `--cgroupns`, `private`, ALPINE, `sh`, `-c`, `readlink /proc/self/ns/cgroup; cat /proc/self/cgroup`]);
    if (runtime === `runc`) {
      t.is(r.code, 125);
      t.regex(r.stderr, /^Error: --cgroupns private with --runtime runc is not supported/m);
      return;
    }
    t.is(r.code, 0, r.stderr);
    const [ns, ...cgroups] = r.stdout.trim().split(`\n`);
    t.regex(ns!, /^cgroup:\[\d+\]$/);
    t.not(ns, readlinkSync(`/proc/self/ns/cgroup`));
    // Every hierarchy's path is the namespace's root (this host: v1 and an empty v2, no cgroup per container).
    t.true(cgroups.length > 0 && cgroups.every(l => l.endsWith(`:/`)), cgroups.join(`\n`));
    t.is((await cli([`inspect`, `--format`, `{{.HostConfig.CgroupMode}}`, `cgns`])).stdout.trim(), `private`);
    t.is((await cli([`rm`, `cgns`])).code, 0);
    // The default is podman's: the caller's namespace on cgroup v1 (this host), its own on v2 (test/guest).
    const byDefault = await run([`--rm`, ALPINE, `readlink`, `/proc/self/ns/cgroup`]);
    const v2 = statfsSync(`/sys/fs/cgroup`).type === 0x63677270;
    t.is(byDefault.stdout.trim() === readlinkSync(`/proc/self/ns/cgroup`), !v2, byDefault.stdout + byDefault.stderr);
  });

  it(`hostname: the short id by default, --hostname, /etc/hostname and /etc/hosts`, async t => {
    const d = await run([`--rm`, ALPINE, `hostname`]);
    t.regex(d.stdout, /^[0-9a-f]{12}\n$/);
    const r = await run([`--rm`, `--hostname`, `box`, `--name`, `named-box`, ALPINE, `sh`, `-c`, `hostname; cat /etc/hostname; grep -c box /etc/hosts; echo $HOSTNAME`]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, `box\nbox\n1\nbox\n`);
  });

  it(`masked and read-only paths; --privileged lifts them`, async t => {
    const r = await run([`--rm`, ALPINE, `sh`, `-c`, `wc -c < /proc/timer_list; touch /sys/firmware/x && echo wrote-masked; echo x > /proc/sys/kernel/hostname && echo wrote-ro; ls /sys/firmware | wc -l`]);
    t.is(r.stdout, `0\n0\n`, r.stderr);
    t.is(r.stderr.match(/Read-only file system/g)?.length, 2, r.stderr);
    const p = await run([`--rm`, `--privileged`, ALPINE, `sh`, `-c`, `grep CapEff /proc/self/status; grep -c /proc/timer_list /proc/self/mountinfo; test -c /dev/tty0 && echo has-tty0 || echo no-tty0`]);
    t.is(p.code, 0, p.stderr);
    t.regex(p.stdout, /CapEff:\s+000001ffffffffff/);
    t.regex(p.stdout, /^0$/m, `/proc/timer_list is not masked`);
    t.is(p.stdout.includes(`has-tty0`), existsSync(`/dev/tty0`));
  });

  it(`a host file that is not bind-mounted cannot be read; container root is not host root`, async t => {
    const d = hostDir();
    writeFileSync(join(d, `secret`), `s3cret\n`);
    const r = await run([`--rm`, ALPINE, `cat`, join(d, `secret`)]);
    t.not(r.code, 0);
    t.false(r.stdout.includes(`s3cret`));
    // /etc/shadow belongs to the real root: even --privileged container root cannot read it.
    const sh = await run([`--rm`, `--privileged`, `-v`, `/etc/shadow:/shadow:ro`, ALPINE, `cat`, `/shadow`]);
    t.is(sh.code, 1);
    t.regex(sh.stderr, /Permission denied/);
  });

  it(`a setuid binary gains nothing beyond the user namespace; no-new-privileges stops it`, async t => {
    const script = `cp /bin/busybox /tmp/busybox && chmod 4755 /tmp/busybox && su -s /bin/sh nobody -c "/tmp/busybox su -s /bin/sh root -c id" </dev/null 2>&1; echo; grep -E '^(Uid|CapEff)' /proc/self/status`;
    const plain = await run([`--rm`, `-v`, `/etc/shadow:/shadow:ro`, ALPINE, `sh`, `-c`, script]);
    // setuid works in the userns (su asks for root's password) ...
    t.regex(plain.stdout, /Password|incorrect password/);
    const nnp = await run([`--rm`, `--security-opt`, `no-new-privileges`, ALPINE, `sh`, `-c`, script]);
    // ... and with no_new_privs the bit is ignored: busybox su refuses to run.
    t.regex(nnp.stdout, /must be suid/);
    const status = await run([`--rm`, `--security-opt`, `no-new-privileges`, ALPINE, `grep`, `NoNewPrivs`, `/proc/self/status`]);
    t.regex(status.stdout, /NoNewPrivs:\s+1/);
  });

  it(`--cap-drop all really drops; --cap-add adds`, async t => {
    const r = await run([`--rm`, `--cap-drop`, `all`, ALPINE, `sh`, `-c`, `grep -E '^Cap(Eff|Bnd)' /proc/self/status; chown 1 /tmp`]);
    t.regex(r.stdout, /CapEff:\s+0000000000000000\nCapBnd:\s+0000000000000000/);
    t.regex(r.stderr, /Operation not permitted/);
    t.not(r.code, 0);
    const add = await run([`--rm`, `--cap-add`, `net_admin`, `--cap-drop`, `CAP_CHOWN`, ALPINE, `grep`, `CapEff`, `/proc/self/status`]);
    const eff = BigInt(`0x${add.stdout.split(/\s+/)[1]}`);
    t.true((eff & (1n << 12n)) !== 0n, `CAP_NET_ADMIN`);
    t.true((eff & 1n) === 0n, `no CAP_CHOWN`);
  });

  // ---------------------------------------------------------------- flags

  it(`-e, --env-file, image Env, HOME and PATH precedence`, async t => {
    const d = hostDir();
    writeFileSync(join(d, `env`), `# comment\nFROM_FILE=file\nBOTH=file\nHOSTVAR\n`);
    const r = await cli([`run`, `--rm`, `--env-file`, join(d, `env`), `-e`, `BOTH=flag`, `-e`, `HOSTVAR2`, `-e`, `EQ=a=b`, ALPINE, `sh`, `-c`, `echo $FROM_FILE $BOTH $HOSTVAR $HOSTVAR2 $EQ $HOME $PATH $container`], {env: {...env, HOSTVAR: `hv`, HOSTVAR2: `hv2`}});
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout, `file flag hv hv2 a=b /root /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin podman\n`);
  });

  it(`-w, -u user:group, --entrypoint`, async t => {
    const r = await run([`--rm`, `-w`, `/tmp`, `-u`, `nobody:wheel`, ALPINE, `sh`, `-c`, `pwd; id -u; id -g`]);
    t.is(r.stdout, `/tmp\n65534\n10\n`, r.stderr);
    // podman makes the image's missing WORKDIR, but a -w that does not exist is an error (a typo), exit 126.
    const mk = await run([`--rm`, `-w`, `/not/made`, ALPINE, `pwd`]);
    t.is(mk.code, 126);
    t.regex(mk.stderr, /^Error: workdir "\/not\/made" does not exist on container [0-9a-f]{64}\n/);
    t.is((await run([`--rm`, `-v`, `${s.root}:/vol`, `-w`, `/vol`, ALPINE, `pwd`])).stdout, `/vol\n`, `a mount point is a working directory`);
    const rel = await run([`--rm`, `-w`, `relative`, ALPINE, `pwd`]);
    t.is(rel.code, 125);
    t.regex(rel.stderr, /invalid working directory "relative"/);
    const n = await run([`--rm`, `-u`, `1234:5678`, ALPINE, `id`]);
    t.regex(n.stdout, /uid=1234\(1234\) gid=5678\(5678\)/); // podman adds the entries an unknown numeric user lacks
    // podman lists the primary group among the supplementary ones; TERM is set with or without -t.
    t.regex((await run([`--rm`, ALPINE, `id`, `-G`])).stdout, /^0 1 2 3 4 6 10\b/);
    t.is((await run([`--rm`, `-u`, `1234`, ALPINE, `sh`, `-c`, `id -G; echo $TERM`])).stdout, `0\nxterm\n`);
    const ep = await run([`--rm`, `--entrypoint`, `echo`, ALPINE, `a`, `b`]);
    t.is(ep.stdout, `a b\n`);
    const epj = await run([`--rm`, `--entrypoint`, `["/bin/echo","x"]`, ALPINE]);
    t.is(epj.stdout, `x\n`);
  });

  it(`-v bind mounts: rw, ro, z ignored; --userns keep-id keeps the owner`, async t => {
    const d = hostDir();
    writeFileSync(join(d, `f`), `host\n`);
    const rw = await run([`--rm`, `-v`, `${d}:/data:z`, ALPINE, `sh`, `-c`, `cat /data/f; echo ctr > /data/g`]);
    t.is(rw.code, 0, rw.stderr);
    t.is(readFileSync(join(d, `g`), `utf8`), `ctr\n`);
    const ro = await run([`--rm`, `-v`, `${d}:/data:ro,Z`, ALPINE, `touch`, `/data/h`]);
    t.not(ro.code, 0);
    t.regex(ro.stderr, /Read-only file system/);
    const me = userInfo();
    const k = await run([`--rm`, `--userns`, `keep-id`, `-v`, `${d}:/src`, `-w`, `/src`, ALPINE, `sh`, `-c`, `id -u; id -g; stat -c %u f; touch mine; id -un`]);
    t.is(k.code, 0, k.stderr);
    const [uid, gid, owner, name] = k.stdout.trim().split(`\n`);
    t.is(uid, String(me.uid));
    t.is(gid, String(me.gid));
    t.is(owner, String(me.uid));
    t.is(name, me.username);
    const st = spawnSync(`stat`, [`-c`, `%u`, join(d, `mine`)], {encoding: `utf8`});
    t.is(st.stdout.trim(), String(me.uid));
    // HOME as podman's: the user's passwd home where the container has it, else the working directory.
    const homes = `echo $HOME; grep "^${me.username}:" /etc/passwd | cut -d: -f6`;
    const atWorkdir = await run([`--rm`, `--userns`, `keep-id`, `-v`, `${d}:/src`, `-w`, `/src`, ALPINE, `sh`, `-c`, homes]);
    t.is(atWorkdir.stdout, `/src\n/src\n`, atWorkdir.stderr);
    const mounted = await run([`--rm`, `--userns`, `keep-id`, `-v`, `${d}:${me.homedir}`, ALPINE, `sh`, `-c`, homes]);
    t.is(mounted.stdout, `${me.homedir}\n${me.homedir}\n`, mounted.stderr);
  });

  it(`volume create --opt: a tmpfs volume, a bind volume; other types and drivers refused`, async t => {
    // A store of its own: the prune of the named-volume case would take these volumes.
    const own = tempStore();
    const o = (args: Array<string>) => own.run([...globals, ...args], {env});
    try {
      t.is((await o([`pull`, ALPINE])).code, 0);
      t.is((await o([`volume`, `create`, `--opt`, `type=tmpfs`, `--opt`, `device=tmpfs`, `--opt`, `o=size=1m`, `vt`])).code, 0);
      const [info] = JSON.parse((await o([`volume`, `inspect`, `vt`])).stdout);
      t.deepEqual(info.Options, {type: `tmpfs`, device: `tmpfs`, o: `size=1m`});
      const tm = await o([`run`, `--rm`, `-v`, `vt:/v`, ALPINE, `sh`, `-c`, `grep ' /v ' /proc/mounts | cut -d' ' -f3,4`]);
      t.is(tm.code, 0, tm.stderr);
      t.regex(tm.stdout, /^tmpfs \S*size=1024k/);
      const d = hostDir();
      t.is((await o([`volume`, `create`, `--opt`, `type=none`, `--opt`, `o=bind`, `--opt`, `device=${d}`, `vb`])).code, 0);
      const bw = await o([`run`, `--rm`, `-v`, `vb:/b`, ALPINE, `sh`, `-c`, `echo through > /b/f`]);
      t.is(bw.code, 0, bw.stderr);
      t.is(readFileSync(join(d, `f`), `utf8`), `through\n`);
      const ext4 = await o([`volume`, `create`, `--opt`, `type=ext4`, `--opt`, `device=/dev/vda`, `vx`]);
      t.is(ext4.code, 125);
      t.regex(ext4.stderr, /needs root: a rootless user can only have tmpfs and bind volumes/);
      const plugin = await o([`volume`, `create`, `--driver`, `nfs`, `vn`]);
      t.is(plugin.code, 125);
      t.regex(plugin.stderr, /volume plugin nfs not found/);
    } finally {
      own.cleanup();
    }
  });

  it(`named volumes: created on first use, kept, listed, inspected, removed, pruned`, async t => {
    const v = `vol-${process.pid}`;
    const w = await run([`--rm`, `-v`, `${v}:/data`, ALPINE, `sh`, `-c`, `echo kept > /data/f`]);
    t.is(w.code, 0, w.stderr);
    const r = await run([`--rm`, `--mount`, `type=volume,source=${v},target=/v,readonly`, ALPINE, `sh`, `-c`, `cat /v/f; touch /v/x`]);
    t.is(r.stdout, `kept\n`);
    t.regex(r.stderr, /Read-only file system/);
    const ls = await s.json([`volume`, `ls`, `--format`, `json`]);
    t.true(ls.some((x: {Name: string}) => x.Name === v));
    const [info] = await s.json([`volume`, `inspect`, v]);
    t.is(info.Mountpoint, join(s.root, `volumes`, v, `_data`));
    t.is(readFileSync(join(info.Mountpoint, `f`), `utf8`), `kept\n`);
    const missing = await s.run([`volume`, `inspect`, `no-such-volume`]);
    t.is(missing.code, 125);
    // podman's: an empty list, then its words.
    t.is(missing.stdout, `[]\n`);
    t.regex(missing.stderr, /^Error: inspecting object: no such volume no-such-volume$/m);
    t.is((await s.run([`volume`, `rm`, v])).code, 0);
    t.false(existsSync(join(s.root, `volumes`, v)));
    await s.run([`volume`, `create`, `${v}-p`]);
    const pr = await s.run([`volume`, `prune`, `-f`]);
    t.regex(pr.stdout, new RegExp(`${v}-p`));
  });

  it(`--mount type=devpts: a new instance in place of the default /dev/pts (distrobox's)`, async t => {
    const r = await run([`--rm`, `--mount`, `type=devpts,destination=/dev/pts,mode=600`, ALPINE, `sh`, `-c`, `grep ' /dev/pts ' /proc/mounts | cut -d' ' -f3,4`]);
    t.is(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split(`\n`);
    t.is(lines.length, 1, r.stdout);
    t.is(lines[0]!.split(` `)[0], `devpts`);
    t.true(lines[0]!.split(` `)[1]!.split(`,`).includes(`mode=600`), r.stdout);
  });

  it(`--rm removes anonymous volumes; --tmpfs and --mount type=tmpfs`, async t => {
    const r = await run([`--rm`, `-v`, `/anon`, `--tmpfs`, `/scratch:size=1m`, `--mount`, `type=tmpfs,target=/t2`, ALPINE, `sh`, `-c`, `touch /anon/a; grep -E ' /(scratch|t2) ' /proc/mounts | cut -d' ' -f2,3,4 | sort`]);
    t.is(r.code, 0, r.stderr);
    const [scratch, t2] = r.stdout.trim().split(`\n`).map(l => l.split(` `));
    t.deepEqual([scratch![0], scratch![1], t2![0], t2![1]], [`/scratch`, `tmpfs`, `/t2`, `tmpfs`], r.stdout);
    // podman 4.3's defaults: nosuid and nodev, executable, and no size unless asked.
    for (const opts of [scratch![2]!.split(`,`), t2![2]!.split(`,`)]) {
      t.true(opts.includes(`nosuid`) && opts.includes(`nodev`) && opts.includes(`rw`), opts.join(`,`));
      t.false(opts.includes(`noexec`), opts.join(`,`));
    }
    t.true(scratch![2]!.split(`,`).includes(`size=1024k`), scratch![2]);
    t.false(t2![2]!.includes(`size=`), t2![2]);
    const vols = existsSync(join(s.root, `volumes`)) ? readdirSync(join(s.root, `volumes`)).filter(n => /^[0-9a-f]{64}$/.test(n)) : [];
    t.deepEqual(vols, []);
  });

  it(`an image VOLUME: an anonymous volume filled with the image's content (owners kept), removed by --rm; a named one filled once`, async t => {
    // A store of its own: the anonymous volumes counted here are not the other cases'.
    const own = tempStore();
    const o = (args: Array<string>) => own.run([...globals, ...args], {env});
    try {
      t.is((await o([`pull`, ALPINE])).code, 0);
      const mk = await o([`run`, `--name`, `volsrc`, ALPINE, `sh`, `-c`, `mkdir -p /data/sub && echo hi > /data/sub/f && ln -s / /data/up && chown -R 1000:1001 /data`]);
      t.is(mk.code, 0, mk.stderr);
      t.is((await o([`commit`, `--change`, `VOLUME /data`, `volsrc`, `localhost/runvol:1`])).code, 0);
      await o([`rm`, `volsrc`]);
      const volumes = () => existsSync(join(own.root, `volumes`)) ? readdirSync(join(own.root, `volumes`)).filter(n => !n.startsWith(`.`)) : [];
      const r = await o([`run`, `--rm`, `localhost/runvol:1`, `sh`, `-c`, `stat -c %u:%g /data /data/sub/f; cat /data/sub/f; readlink /data/up; grep -c ' /data ' /proc/mounts`]);
      t.is(r.code, 0, r.stderr);
      t.is(r.stdout, `1000:1001\n1000:1001\nhi\n/\n1\n`);
      t.deepEqual(volumes(), []);
      t.is((await o([`run`, `--rm`, `-v`, `named:/data`, `localhost/runvol:1`, `sh`, `-c`, `echo changed > /data/sub/f`])).code, 0);
      t.is((await o([`run`, `--rm`, `-v`, `named:/data`, `localhost/runvol:1`, `cat`, `/data/sub/f`])).stdout, `changed\n`);
      t.deepEqual(volumes(), [`named`]);
    } finally {
      own.cleanup();
    }
  });

  it(`--read-only, --init, --ulimit, --name conflicts`, async t => {
    const ro = await run([`--rm`, `--read-only`, ALPINE, `touch`, `/x`]);
    t.not(ro.code, 0);
    t.regex(ro.stderr, /Read-only file system/);
    const ul = await run([`--rm`, `--ulimit`, `nofile=100:200`, ALPINE, `sh`, `-c`, `ulimit -n; ulimit -Hn`]);
    t.is(ul.stdout, `100\n200\n`);
    const init = await run([`--rm`, `--init`, BUSYBOX, `sh`, `-c`, `cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$`]);
    t.is(init.code, 0, init.stderr);
    t.regex(init.stdout, /^\/run\/tspod-init init -- sh/);
    t.not(init.stdout.trim().split(`\n`).pop(), `1`);
    const a = await run([`--name`, `keep-me`, ALPINE, `true`]);
    t.is(a.code, 0, a.stderr);
    const b = await run([`--name`, `keep-me`, ALPINE, `true`]);
    t.is(b.code, 125);
    t.regex(b.stderr, /the container name "keep-me" is already in use/);
    t.true(containers(s.root).some(c => c.names.includes(`keep-me`)), `without --rm the container stays`);
  });

  it(`create saves the OCI spec without starting`, async t => {
    const r = await cli([`create`, `--name`, `created-1`, `-e`, `X=1`, ALPINE, `echo`, `hi`], {env});
    let id: string;
    if (runtime === `runc`) {
      // runc containers run in the foreground only: create is refused, nothing is made; run saves the spec.
      t.is(r.code, 125);
      t.regex(r.stderr, /^Error: create with --runtime runc is not supported: .*foreground only.*\n  fix: .*\n$/);
      t.false(containers(s.root).some(c => c.names.includes(`created-1`)));
      const kept = await run([`--name`, `created-1`, `-e`, `X=1`, ALPINE, `echo`, `hi`]);
      t.is(kept.code, 0, kept.stderr);
      const c = containers(s.root).find(x => x.names.includes(`created-1`))!;
      t.like(c.metadata, {runtime: {name: `runc`}, state: `exited`, exitCode: 0});
      id = c.id;
      const [info] = await s.json([`inspect`, `created-1`]);
      t.is(info.OCIRuntime, `runc`);
      const again = await cli([`start`, `created-1`]);
      t.is(again.code, 125);
      t.regex(again.stderr, /^Error: container created-1 runs with runc, which tspod runs in the foreground only/);
    } else {
      t.is(r.code, 0, r.stderr);
      id = r.stdout.trim();
    }
    t.regex(id, /^[0-9a-f]{64}$/);
    const dir = readdirSync(s.root).find(n => n.endsWith(`-containers`))!;
    const spec = JSON.parse(readFileSync(join(s.root, dir, id, `userdata/config.json`), `utf8`));
    t.deepEqual(spec.process.args, [`echo`, `hi`]);
    t.true(spec.process.env.includes(`X=1`));
    t.true(spec.linux.maskedPaths.includes(`/proc/kcore`));
    t.true(spec.mounts.some((m: {destination: string}) => m.destination === `/etc/resolv.conf`));
  });

  // ---------------------------------------------------------------- signals, pty, --rm robustness

  function spawnRun(args: Array<string>): {child: ReturnType<typeof spawn>, ready: Promise<void>, done: Promise<{code: number | null, out: string}>} {
    const child = spawn(process.execPath, [TSPOD_BIN, `--root`, s.root, `--runroot`, s.runroot, ...globals, `run`, ...args], {env: {...process.env, ...env}, stdio: [`ignore`, `pipe`, `pipe`]});
    let out = ``;
    let resolveReady!: () => void;
    const ready = new Promise<void>(r => { resolveReady = r; });
    child.stdout!.on(`data`, d => {
      out += d;
      if (out.includes(`ready`)) resolveReady();
    });
    child.stderr!.on(`data`, d => { out += d; });
    const done = new Promise<{code: number | null, out: string}>(r => child.on(`close`, code => r({code, out})));
    return {child, ready, done};
  }

  for (const sig of [`SIGTERM`, `SIGINT`, `SIGHUP`] as const) {
    it(`${sig} sent to tspod run reaches the container; --rm still removes it`, async t => {
      const name = `sig-${sig.toLowerCase()}`;
      const {child, ready, done} = spawnRun([`--rm`, `--name`, name, ALPINE, `sh`, `-c`, `trap 'echo got-${sig}; exit 42' ${sig.slice(3)}; echo ready; while true; do sleep 0.1; done`]);
      await ready;
      child.kill(sig);
      const r = await done;
      t.is(r.code, 42, r.out);
      t.regex(r.out, new RegExp(`got-${sig}`));
      t.false(containers(s.root).some(c => c.names.includes(name)));
    });
  }

  it(`--sig-proxy=false: a signal to tspod is not passed on`, async t => {
    const {child, ready, done} = spawnRun([`--rm`, `--sig-proxy=false`, ALPINE, `sh`, `-c`, `trap 'echo got-it; exit 42' USR1; echo ready; sleep 1; echo finished`]);
    await ready;
    child.kill(`SIGUSR1`);
    const r = await done;
    t.false(r.out.includes(`got-it`));
  });

  it(`kill -9 of tspod run --rm: the next command removes what was left`, async t => {
    const name = `killed-9`;
    const {child, ready} = spawnRun([`--rm`, `--name`, name, ALPINE, `sh`, `-c`, `echo ready; sleep 1`]);
    await ready;
    child.kill(`SIGKILL`);
    t.true(containers(s.root).some(c => c.names.includes(name)));
    // The container ends after its `sleep 1`; the first command after its processes are gone
    // removes it (polled: a loaded host may take seconds to tear the runtime down).
    await new Promise(r => setTimeout(r, 1500));
    for (let i = 0; i < 60 && containers(s.root).some(c => c.names.includes(name)); i++) {
      const r = await s.run([`volume`, `ls`]);
      t.is(r.code, 0, r.stderr);
      if (containers(s.root).some(c => c.names.includes(name))) await new Promise(r => setTimeout(r, 500));
    }
    t.false(containers(s.root).some(c => c.names.includes(name)));
  });

  it(`-it through a real pty: raw input, a terminal inside, window size, exit status`, async t => {
    // runc run sizes its pty only after the container's process has started (its forward()
    // loop), so a first command can see no size yet: with runc, wait for it.
    // busybox's `stty size` exits 0 even when it finds no size (it prints "stty: standard
    // input"), so the size is asked until it is two numbers (or 20 s), then printed once.
    const size = runtime === `runc` ? `i=0; while [ $i -lt 200 ]; do s=$(stty size 2>/dev/null); case "$s" in [1-9]*" "[1-9]*) break;; esac; sleep 0.1; i=$((i+1)); done; echo "$s"` : `stty size`;
    const cmd = `stty cols 100 rows 30; ${process.execPath} ${TSPOD_BIN} --root ${s.root} --runroot ${s.runroot} ${globals.join(` `)} run -it --rm ${ALPINE} sh -c '${runtime === `runc` ? `${size}; tty` : `tty; ${size}`}; read line; echo got:$line; exit 3'`;
    // Not spawnSync: the other cases of this file run meanwhile (a blocked event loop would stall their signals and reads).
    const r = await new Promise<{status: number | null, stdout: string, stderr: string}>(resolve => {
      const child = spawn(`script`, [`-qec`, cmd, `/dev/null`], {env: {...process.env, ...env}, stdio: [`pipe`, `pipe`, `pipe`]});
      let stdout = ``, stderr = ``;
      child.stdout.on(`data`, d => { stdout += d; });
      child.stderr.on(`data`, d => { stderr += d; });
      const timer = setTimeout(() => child.kill(`SIGKILL`), 60_000);
      child.on(`close`, status => { clearTimeout(timer); resolve({status, stdout, stderr}); });
      // Typed once the container's terminal answers (its `tty` line): input that arrives while
      // the runtime is still setting the terminal up is echoed by the outer pty, and a loaded
      // host showed runc's pty with no size yet then (a flake).
      let typed = false;
      child.stdout.on(`data`, () => {
        if (!typed && /\/dev\/pts\/\d+/.test(stdout)) {
          typed = true;
          child.stdin.end(`typed-text\n`);
        }
      });
    });
    t.is(r.status, 3, `${r.stdout}${r.stderr}`);
    t.regex(r.stdout, /\/dev\/pts\/\d+/);
    t.regex(r.stdout, /30 100/);
    t.regex(r.stdout, /got:typed-text/);
  });

  it(`-t without a terminal still gives the container a tty`, async t => {
    const r = await run([`--rm`, `-t`, `--name`, `t-no-term`, ALPINE, `sh`, `-c`, `test -t 1 && echo tty-out; echo $TERM`]);
    if (runtime === `runc` && !hasControllingTerminal()) {
      // runc relays a terminal only through one of its own: refused, one line and the fix, nothing left.
      t.is(r.code, 125);
      t.regex(r.stderr, /^Error: -t with --runtime runc needs a terminal: .*\n  fix: .*drop -t.*\n$/);
      t.false(containers(s.root).some(c => c.names.includes(`t-no-term`)));
      return;
    }
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /tty-out/);
    t.regex(r.stdout, /xterm/);
  });

  return {runtime, env, store: () => s, cli, spawnRun};
}

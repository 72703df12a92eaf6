import test from 'ava';
import {buildSpec, processArgs, buildEnv, keepIdMap, parseProcLimits, MASKED_PATHS, READONLY_PATHS, INIT_PATH} from '../../../src/engine/run/spec';
import type {SpecInput} from '../../../src/engine/run/spec';
import {TspodError} from '../../../src/engine/errors';
import {COPY_UP_ANNOTATION} from '../../../src/runtime/specToPlan';

const ID = `0123456789abcdef`.repeat(4);

function input(over: Partial<SpecInput> = {}): SpecInput {
  return {
    id: ID, image: {Env: [`PATH=/img/bin`, `IMG=1`], Cmd: [`/bin/sh`], WorkingDir: `/work`},
    command: [], envFile: [], env: [], user: {uid: 0, gid: 0, additionalGids: [], home: `/root`},
    tty: false, readOnly: false, privileged: false, init: false, initBinary: `/opt/tspod-helper`,
    capAdd: [], capDrop: [], noNewPrivileges: false, ulimits: [], mounts: [], initFiles: {},
    rootfs: `/merged`, uidMap: [{containerId: 0, hostId: 1000, size: 1}, {containerId: 1, hostId: 100000, size: 65536}],
    gidMap: [{containerId: 0, hostId: 1000, size: 1}, {containerId: 1, hostId: 100000, size: 65536}],
    host: {nofileHard: 20000, nprocHard: 96364, devices: [`/dev/kvm`]}, ...over,
  };
}

test(`entrypoint and cmd merge (podman rules)`, t => {
  t.deepEqual(processArgs({Entrypoint: [`/ep`], Cmd: [`a`]}, [], undefined), [`/ep`, `a`]);
  t.deepEqual(processArgs({Entrypoint: [`/ep`], Cmd: [`a`]}, [`b`], undefined), [`/ep`, `b`]);
  t.deepEqual(processArgs({Entrypoint: [`/ep`], Cmd: [`a`]}, [], `/other`), [`/other`]);
  t.deepEqual(processArgs({Entrypoint: [`/ep`], Cmd: [`a`]}, [`c`], `/other`), [`/other`, `c`]);
  t.deepEqual(processArgs({Cmd: [`a`]}, [], `["/x","-y"]`), [`/x`, `-y`]);
  t.deepEqual(processArgs({Entrypoint: [`/ep`], Cmd: [`a`]}, [`sh`], ``), [`sh`]);
  const err = t.throws(() => processArgs({}, [], undefined), {instanceOf: TspodError});
  t.regex(err!.message, /no command or entrypoint/);
});

test(`env precedence: defaults < image < env-file < --env; HOME, HOSTNAME, TERM`, t => {
  const env = buildEnv({image: {Env: [`PATH=/img/bin`, `A=img`, `B=img`]}, envFile: [[`A`, `file`], [`C`, `file`]], env: [[`C`, `flag`]], tty: true, user: {uid: 0, gid: 0, additionalGids: [], home: `/root`}}, `h1`);
  t.true(env.includes(`PATH=/img/bin`));
  t.true(env.includes(`A=file`));
  t.true(env.includes(`B=img`));
  t.true(env.includes(`C=flag`));
  t.true(env.includes(`TERM=xterm`));
  t.true(env.includes(`HOME=/root`));
  t.true(env.includes(`HOSTNAME=h1`));
  t.true(env.includes(`container=podman`));
  const noPath = buildEnv({image: {}, envFile: [], env: [[`HOME`, `/h`]], tty: false, user: {uid: 0, gid: 0, additionalGids: [], home: `/root`}}, `h`);
  t.true(noPath.includes(`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`));
  t.true(noPath.includes(`HOME=/h`));
  t.true(noPath.includes(`TERM=xterm`), `podman sets TERM=xterm without -t too`);
});

test(`default spec: mounts, masked and read-only paths, namespaces, rlimits, caps`, t => {
  const s = buildSpec(input());
  t.deepEqual(s.process.args, [`/bin/sh`]);
  t.is(s.process.cwd, `/work`);
  t.is(s.hostname, ID.slice(0, 12));
  t.deepEqual(s.mounts!.map(m => m.destination), [`/proc`, `/dev`, `/dev/pts`, `/dev/mqueue`, `/sys`, `/dev/shm`]);
  t.true(s.mounts!.find(m => m.destination === `/dev/pts`)!.options!.includes(`gid=5`));
  t.deepEqual(s.linux!.maskedPaths, MASKED_PATHS);
  t.deepEqual(s.linux!.readonlyPaths, READONLY_PATHS);
  t.deepEqual(s.linux!.namespaces!.map(n => n.type).sort(), [`ipc`, `mount`, `network`, `pid`, `user`, `uts`]);
  t.deepEqual(s.linux!.uidMappings, [{containerID: 0, hostID: 1000, size: 1}, {containerID: 1, hostID: 100000, size: 65536}]);
  t.deepEqual(s.process.rlimits, [{type: `RLIMIT_NOFILE`, hard: 20000, soft: 20000}, {type: `RLIMIT_NPROC`, hard: 96364, soft: 96364}]);
  // podman's default nproc: pid_max where the hard limit allows it, else 2^20, else the hard limit.
  const nproc = (host: {nprocHard: number, pidMax?: number}) => buildSpec(input({host: {nofileHard: 1024, devices: [], ...host}})).process.rlimits!.find(r => r.type === `RLIMIT_NPROC`);
  t.deepEqual(nproc({nprocHard: 96364, pidMax: 32768}), {type: `RLIMIT_NPROC`, hard: 32768, soft: 32768});
  t.deepEqual(nproc({nprocHard: 96364, pidMax: 4194304}), {type: `RLIMIT_NPROC`, hard: 96364, soft: 96364});
  t.deepEqual(nproc({nprocHard: Number.MAX_SAFE_INTEGER, pidMax: 4194304}), {type: `RLIMIT_NPROC`, hard: 4194304, soft: 4194304});
  t.deepEqual(nproc({nprocHard: 2_000_000, pidMax: 4194304}), {type: `RLIMIT_NPROC`, hard: 1048576, soft: 1048576});
  t.is(s.process.capabilities!.effective!.length, 11);
  t.true(s.process.capabilities!.bounding!.includes(`CAP_SYS_CHROOT`));
  t.false(s.process.capabilities!.bounding!.includes(`CAP_SYS_ADMIN`));
  t.false(s.process.noNewPrivileges);
  t.false(s.root.readonly);
  t.is(s.root.path, `/merged`);
});

test(`rlimits cap at podman's maxima; --ulimit overrides`, t => {
  const s = buildSpec(input({host: {nofileHard: Number.MAX_SAFE_INTEGER, nprocHard: Number.MAX_SAFE_INTEGER, devices: []}, ulimits: [{type: `RLIMIT_NPROC`, soft: 10, hard: 20}, {type: `RLIMIT_CORE`, soft: 0, hard: 0}]}));
  t.deepEqual(s.process.rlimits, [{type: `RLIMIT_NOFILE`, hard: 1048576, soft: 1048576}, {type: `RLIMIT_NPROC`, hard: 20, soft: 10}, {type: `RLIMIT_CORE`, hard: 0, soft: 0}]);
});

test(`cap-add, cap-drop, cap-drop all, privileged`, t => {
  const s = buildSpec(input({capAdd: [`CAP_NET_ADMIN`], capDrop: [`CAP_CHOWN`]}));
  t.true(s.process.capabilities!.effective!.includes(`CAP_NET_ADMIN`));
  t.false(s.process.capabilities!.effective!.includes(`CAP_CHOWN`));
  const none = buildSpec(input({capDrop: [`ALL`]}));
  t.deepEqual(none.process.capabilities!.bounding, []);
  t.deepEqual(none.process.capabilities!.effective, []);
  const onlyOne = buildSpec(input({capDrop: [`ALL`], capAdd: [`CAP_KILL`]}));
  t.deepEqual(onlyOne.process.capabilities!.bounding, [`CAP_KILL`]);
  const p = buildSpec(input({privileged: true}));
  t.is(p.process.capabilities!.bounding!.length, 41);
  t.deepEqual(p.linux!.maskedPaths, []);
  t.deepEqual(p.linux!.readonlyPaths, []);
  t.true(p.mounts!.some(m => m.destination === `/dev/kvm` && m.source === `/dev/kvm`));
});

test(`a non-root user keeps only the bounding set`, t => {
  const s = buildSpec(input({user: {uid: 1000, gid: 1000, additionalGids: [10], home: `/home/u`}}));
  t.deepEqual(s.process.capabilities!.effective, []);
  t.is(s.process.capabilities!.bounding!.length, 11);
  t.deepEqual(s.process.user, {uid: 1000, gid: 1000, umask: 0o022, additionalGids: [1000, 10]}, `the primary group first, as podman lists it`);
});

test(`user mounts, init files, --init, --read-only, no-new-privileges, tty, hostname`, t => {
  const s = buildSpec(input({
    mounts: [
      {kind: `bind`, source: `/h`, destination: `/c`, readonly: true, options: []},
      {kind: `tmpfs`, source: ``, destination: `/dev/shm`, readonly: false, options: [`nosuid`, `size=1m`]},
      {kind: `volume`, source: `/vols/v/_data`, destination: `/v`, readonly: false, options: [`nodev`]},
    ],
    initFiles: {'/etc/hosts': `/ud/hosts`}, init: true, readOnly: true, noNewPrivileges: true, tty: true, hostname: `box`,
    command: [`echo`, `hi`],
  }));
  t.deepEqual(s.process.args, [INIT_PATH, `init`, `--`, `/bin/sh`].slice(0, 3).concat([`echo`, `hi`]));
  t.true(s.root.readonly);
  t.true(s.process.noNewPrivileges);
  t.true(s.process.terminal);
  t.is(s.hostname, `box`);
  t.deepEqual(s.mounts!.find(m => m.destination === `/c`), {destination: `/c`, type: `bind`, source: `/h`, options: [`rbind`, `ro`]});
  t.deepEqual(s.mounts!.find(m => m.destination === `/v`), {destination: `/v`, type: `bind`, source: `/vols/v/_data`, options: [`rbind`, `rw`, `nodev`]});
  t.deepEqual(s.mounts!.filter(m => m.destination === `/dev/shm`), [{destination: `/dev/shm`, type: `tmpfs`, source: `tmpfs`, options: [`rw`, `nosuid`, `size=1m`]}]);
  t.deepEqual(s.mounts!.find(m => m.destination === `/etc/hosts`)?.source, `/ud/hosts`);
  t.deepEqual(s.mounts!.find(m => m.destination === INIT_PATH)?.source, `/opt/tspod-helper`);
});

test(`volumes to fill from the image are named in the copy-up annotation`, t => {
  const s = buildSpec(input({mounts: [
    {kind: `volume`, source: `/vols/a/_data`, destination: `/a`, readonly: false, options: [], copyUp: true},
    {kind: `volume`, source: `/vols/b/_data`, destination: `/b`, readonly: false, options: []},
    {kind: `bind`, source: `/h`, destination: `/c`, readonly: false, options: [], copyUp: true},
  ]}));
  t.is(s.annotations![COPY_UP_ANNOTATION], `["/a"]`);
  t.false(COPY_UP_ANNOTATION in buildSpec(input()).annotations!);
});

test(`duplicate destinations are refused`, t => {
  const m = {kind: `bind` as const, source: `/h`, destination: `/c`, readonly: false, options: []};
  const err = t.throws(() => buildSpec(input({mounts: [m, {...m}]})), {instanceOf: TspodError});
  t.regex(err!.message, /duplicate mount destination \/c/);
});

test(`keep-id map: the user's uid maps to itself`, t => {
  const map = keepIdMap(1001, 1001, [{start: 100000, count: 65536}]);
  t.deepEqual(map, [
    {containerId: 0, hostId: 100000, size: 1001},
    {containerId: 1001, hostId: 1001, size: 1},
    {containerId: 1002, hostId: 101001, size: 64535},
  ]);
  const err = t.throws(() => keepIdMap(70000, 70000, [{start: 100000, count: 65536}]), {instanceOf: TspodError});
  t.regex(err!.message, /keep-id needs at least 70000 subordinate ids/);
});

test(`/proc/self/limits parsing`, t => {
  const text = `Limit                     Soft Limit           Hard Limit           Units     \nMax processes             96364                96364                processes \nMax open files            1024                 524288               files     \n`;
  t.deepEqual(parseProcLimits(text), {nofileHard: 524288, nprocHard: 96364});
  t.is(parseProcLimits(`Max open files            unlimited            unlimited            files\n`).nofileHard, Number.MAX_SAFE_INTEGER);
});

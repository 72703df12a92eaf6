// `tspod-helper userns`: root in a user namespace mapped from /etc/subuid and /etc/subgid.
import {spawnSync} from 'node:child_process';
import {statSync} from 'node:fs';
import {join} from 'node:path';
import {userInfo} from 'node:os';
import {HELPER_BIN} from '../_helpers/project';
import {whenAvailable} from '../_helpers/features';
import {canUserns, inUserns, removeTree, subordinateRange, tempDir} from './_support';

const test = whenAvailable(canUserns, `an unprivileged user with /etc/subuid ranges and newuidmap`);

test(`the command runs as root in the namespace`, t => {
  t.is(inUserns([`id`, `-u`]).trim(), `0`);
  t.is(inUserns([`id`, `-g`]).trim(), `0`);
});

test(`uid_map and gid_map are the user plus the subordinate range`, t => {
  const me = userInfo();
  const uids = subordinateRange(`/etc/subuid`)!;
  const gids = subordinateRange(`/etc/subgid`)!;
  const rows = (s: string) => s.trim().split(`\n`).map(l => l.trim().split(/\s+/).map(Number));
  t.deepEqual(rows(inUserns([`cat`, `/proc/self/uid_map`])), [[0, me.uid, 1], [1, uids.start, uids.count]]);
  t.deepEqual(rows(inUserns([`cat`, `/proc/self/gid_map`])), [[0, me.gid, 1], [1, gids.start, gids.count]]);
});

test(`files made as uid 5 belong to the 5th subordinate id on the host`, t => {
  const dir = tempDir(`tspod-userns-`);
  try {
    const file = join(dir, `f`);
    inUserns([`sh`, `-c`, `touch "$1" && chown 5:7 "$1"`, `sh`, file]);
    const st = statSync(file);
    t.is(st.uid, subordinateRange(`/etc/subuid`)!.start + 4);
    t.is(st.gid, subordinateRange(`/etc/subgid`)!.start + 6);
  } finally {
    removeTree(dir);
  }
});

test(`a private mount namespace: mounts inside do not leak out`, t => {
  const dir = tempDir(`tspod-userns-`);
  try {
    t.is(inUserns([`sh`, `-c`, `mount -t tmpfs none "$1" && touch "$1/x" && ls "$1"`, `sh`, dir]).trim(), `x`);
    t.throws(() => statSync(join(dir, `x`)));
  } finally {
    removeTree(dir);
  }
});

test(`exit status and 127 for a missing command pass through`, t => {
  t.is(spawnSync(HELPER_BIN, [`userns`, `--`, `sh`, `-c`, `exit 3`]).status, 3);
  const r = spawnSync(HELPER_BIN, [`userns`, `/nonexistent/cmd`], {encoding: `utf8`});
  t.is(r.status, 127);
  t.regex(r.stderr, /exec `\/nonexistent\/cmd`: ENOENT/);
  t.is(spawnSync(HELPER_BIN, [`userns`, `--`, `sh`, `-c`, `kill -TERM $$`]).status, 128 + 15);
});

test(`explicit maps from TSPOD_UIDMAP/TSPOD_GIDMAP, and newuidmap's refusal is reported with a hint`, t => {
  const me = userInfo();
  const uids = subordinateRange(`/etc/subuid`)!;
  const gids = subordinateRange(`/etc/subgid`)!;
  const ok = spawnSync(HELPER_BIN, [`userns`, `cat`, `/proc/self/uid_map`], {encoding: `utf8`, env: {...process.env, TSPOD_UIDMAP: `0 ${me.uid} 1 1 ${uids.start} 10`, TSPOD_GIDMAP: `0 ${me.gid} 1 1 ${gids.start} 10`}});
  t.is(ok.status, 0);
  t.regex(ok.stdout, new RegExp(`1\\s+${uids.start}\\s+10`));
  const bad = spawnSync(HELPER_BIN, [`userns`, `true`], {encoding: `utf8`, env: {...process.env, TSPOD_UIDMAP: `0 ${me.uid} 1 1 ${uids.start} ${uids.count + 1000}`, TSPOD_GIDMAP: `0 ${me.gid} 1`}});
  t.is(bad.status, 125);
  t.regex(bad.stderr, /newuidmap .* failed: .*\/etc\/subuid/);
});

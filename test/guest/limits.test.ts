// Runs in the guest VM only (test/_harness/vm.mjs), beside cgroups.test.ts: the pids and
// io limits on the delegated cgroup v2 controllers, and a container's scope going away.
import test from 'ava';
import {existsSync, mkdtempSync, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {SEEDED} from '../_helpers/registry';
import {cgroupDir, home, LONG, read, store, waitFor} from './_guest';

const IMG = SEEDED.busyboxGlibc;

async function inspect(name: string): Promise<any> {
  return (await store.json([`inspect`, name], LONG))[0];
}

test.serial(`--pids-limit 10: the 11th process cannot be forked`, async t => {
  const r = await store.run([`run`, `--rm`, `--network`, `none`, `--pids-limit`, `10`, IMG, `sh`, `-c`,
    `i=1; while [ $i -lt 15 ]; do sleep 60 & i=$((i+1)); echo $i; done`], LONG);
  t.not(r.code, 0);
  const last = r.stdout.trim().split(`\n`).pop();
  t.is(last, `10`, `processes running when the fork failed (sh + sleeps): ${r.stdout} ${r.stderr}`);
  t.regex(r.stderr, /fork/i);
});

test.serial(`a container's scope is gone once it exits: nothing left behind`, async t => {
  // --cgroupns host: the container sees its cgroup's path on the host (in its own namespace, `/`).
  const r = await store.run([`run`, `--rm`, `--network`, `none`, `--cgroupns`, `host`, `--pids-limit`, `20`, IMG, `sh`, `-c`, `cat /proc/self/cgroup`], LONG);
  t.is(r.code, 0, r.stderr);
  const scope = /\/(tspod-[0-9a-f]{12}-\d+\.scope)\/container$/m.exec(r.stdout)?.[1];
  t.truthy(scope, `the container ran in a scope of its own: ${r.stdout}`);
  const uid = process.getuid!();
  const app = `/sys/fs/cgroup/user.slice/user-${uid}.slice/user@${uid}.service/app.slice`;
  const gone = await waitFor(() => !existsSync(`${app}/${scope}`), 15_000);
  t.true(gone, `${scope} is left behind`);
});

test.serial(`--blkio-weight and --device-read-bps on the delegated io controller: reads are throttled, stats count them`, async t => {
  // /dev/vda is the guest's disk, under the store; O_DIRECT reads of libc (about 2 MB)
  // go to it and are charged to the container's cgroup, at most 512 KiB/s.
  const dev = statSync(`/dev/vda`).rdev;
  const majMin = `${Math.floor(dev / 256) & 0xfff}:${(dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00)}`;
  const out = mkdtempSync(join(home, `io-`));
  const run = await store.run([`run`, `-d`, `--name`, `io`, `--network`, `none`, `--blkio-weight`, `300`, `--device-read-bps`, `/dev/vda:512k`, `-v`, `${out}:/out`, IMG, `sh`, `-c`,
    `trap "exit 0" TERM; f=/lib/libc.so.6; wc -c < $f > /out/size; a=$(cut -d" " -f1 /proc/uptime); dd if=$f of=/dev/null bs=64k iflag=direct 2>/out/dd.err; ` +
    `b=$(cut -d" " -f1 /proc/uptime); echo "$a $b" > /out/t.tmp; mv /out/t.tmp /out/t; while :; do sleep 0.5; done`], LONG);
  t.is(run.code, 0, run.stderr);
  try {
    const i = await inspect(`io`);
    t.is(i.HostConfig.BlkioWeight, 300);
    const dir = cgroupDir(i.State.Pid);
    t.is(read(dir, `io.weight`), `default ${1 + Math.floor(((300 - 10) * 9999) / 990)}`);
    t.is(read(dir, `io.max`), `${majMin} rbps=524288 wbps=max riops=max wiops=max`);
    t.true(await waitFor(() => existsSync(join(out, `t`)), 120_000), `the read finished`);
    const size = Number(readFileSync(join(out, `size`), `utf8`));
    const [a, b] = readFileSync(join(out, `t`), `utf8`).trim().split(` `).map(Number);
    const secs = b! - a!;
    t.log(`read ${size} bytes with O_DIRECT in ${secs.toFixed(2)} s (${readFileSync(join(out, `dd.err`), `utf8`).trim().replace(/\n/g, `; `)})`);
    t.true(size > 1_500_000, `libc is ${size} bytes`);
    // blk-throttle lets a short burst through, then holds the rate: at least 3/4 of size/rate.
    t.true(secs >= (0.75 * size) / 524288, `${size} bytes in ${secs} s: not throttled to 512 KiB/s`);
    const rbytes = [...read(dir, `io.stat`).matchAll(/rbytes=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    t.true(rbytes >= size, `io.stat rbytes ${rbytes}`);
    const stats = await store.json([`stats`, `--no-stream`, `--format`, `json`, `io`], LONG);
    t.true(stats[0].BlockInput >= size, `stats BlockInput ${stats[0].BlockInput}`);
  } finally {
    await store.run([`rm`, `-f`, `-t`, `0`, `io`], LONG);
  }
});

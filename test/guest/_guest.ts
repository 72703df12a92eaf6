// Shared by the guest test files (test/_harness/vm.mjs runs them in the cgroup v2 +
// systemd guest as uid 1001, several files at once): systemctl --user, polling instead
// of fixed sleeps, and the user's default store. The guest is thrown away after the run,
// so the files share that store (guest-run.sh has pulled the test image into it once;
// container names differ from file to file) rather than each pulling into one of its own.
import {spawnSync} from 'node:child_process';
import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';
import {REGISTRY} from '../_helpers/registry';
import {runTspod} from '../_helpers/runCli';
import type {CliResult, RunOpts} from '../_helpers/runCli';
import {TSPOD_BIN} from '../_helpers/project';

export const home = homedir();
export const userUnits = join(home, `.config/systemd/user`);
/** The absolute command a unit runs tspod with (generators and units get no PATH). */
export const TSPOD = `${process.execPath} ${TSPOD_BIN}`;

export const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

export function systemctl(...a: Array<string>) {
  return spawnSync(`systemctl`, [`--user`, ...a], {encoding: `utf8`, timeout: 300_000});
}

export function journal(unit: string): string {
  return spawnSync(`journalctl`, [`--user`, `-u`, unit, `--no-pager`, `-o`, `cat`], {encoding: `utf8`}).stdout ?? ``;
}

export const unitState = (unit: string) => systemctl(`is-active`, unit).stdout.trim();
export const unitProp = (unit: string, p: string) => systemctl(`show`, `-p`, p, `--value`, unit).stdout.trim();

/** Polls `cond` every `everyMs` until it returns a truthy value or `ms` pass (then returns that last falsy value). */
export async function waitFor<T>(cond: () => T | Promise<T>, ms: number, everyMs = 200): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v || Date.now() > end) return v;
    await sleep(everyMs);
  }
}

/** The default store's configuration (units use it): the test registry is plain http. Atomic: files race. */
export function configureRegistry(): void {
  const dir = join(home, `.config/containers`);
  mkdirSync(join(dir, `systemd`), {recursive: true});
  const tmp = join(dir, `.registries.conf.${process.pid}`);
  writeFileSync(tmp, `[[registry]]\nlocation = "${REGISTRY}"\ninsecure = true\n`);
  renameSync(tmp, join(dir, `registries.conf`));
  mkdirSync(userUnits, {recursive: true});
}

/** The cgroup v2 folder of a process. */
export function cgroupDir(pid: number): string {
  const rel = readFileSync(`/proc/${pid}/cgroup`, `utf8`).split(`\n`).find(l => l.startsWith(`0::`))!.slice(3);
  return `/sys/fs/cgroup${rel}`;
}

export const read = (dir: string, f: string) => readFileSync(`${dir}/${f}`, `utf8`).trim();

/** Per tspod call: code in the guest runs 7-17x slower, more on a busy host. */
export const LONG = {timeoutMs: 480_000};

/** The default store, as the units use it. */
export const store = {
  run: (args: Array<string>, opts: RunOpts = LONG): Promise<CliResult> => runTspod(args, opts),
  async json(args: Array<string>, opts: RunOpts = LONG): Promise<any> {
    const r = await runTspod(args, opts);
    if (r.code !== 0) throw new Error(`tspod ${args.join(` `)} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  },
};

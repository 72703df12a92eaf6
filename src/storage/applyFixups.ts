// The second half of an unprivileged layer apply (applyLayer's `unprivileged`): the
// few things only root in the user namespace can do (owners other than 0:0, overlay
// whiteout device nodes, set-id bits the chown cleared, and directory times the
// whiteouts changed), done by one `sh` in one short user namespace with coreutils:
// no Node process in the namespace. Paths were recorded with no symlink in them;
// they are checked again first (a later entry of the layer may have replaced a
// directory with a symlink, which the kernel would follow out of the layer).
import {spawn} from 'node:child_process';
import {lstatSync} from 'node:fs';
import type {ApplyFixups} from './applyLayer';
import {usernsArgv} from './WorkerClient';
import type {UsernsLauncher} from './WorkerClient';

/** Arguments per command line, well under ARG_MAX. */
const PER_LINE = 200;

/** True when every directory between `root` and each path is a real directory (not a symlink). */
export function fixupPathsSafe(root: string, f: ApplyFixups): boolean {
  const ok = new Set<string>([root]);
  const check = (abs: string): boolean => {
    if (!abs.startsWith(`${root}/`) && abs !== root) return false;
    const dir = abs.slice(0, abs.lastIndexOf(`/`));
    if (abs === root || ok.has(dir)) return true;
    if (!check(dir)) return false;
    try {
      const s = lstatSync(dir);
      if (!s.isDirectory() || s.isSymbolicLink()) return false;
    } catch {
      return false;
    }
    ok.add(dir);
    return true;
  };
  return [...f.whiteouts, ...f.owners.map(o => o[0]), ...f.modes.map(m => m[0]), ...f.dirTimes.map(d => d[0])].every(check);
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Groups paths by a key into command lines `<cmd> <key> -- paths…`. */
function lines(cmd: (key: string) => string, items: Array<[string, string]>): Array<string> {
  const byKey = new Map<string, Array<string>>();
  for (const [key, path] of items) (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(path);
  const out: Array<string> = [];
  for (const [key, paths] of byKey)
    for (let i = 0; i < paths.length; i += PER_LINE) out.push(`${cmd(key)} -- ${paths.slice(i, i + PER_LINE).map(quote).join(` `)}`);
  return out;
}

/** The shell script (exported for tests). Order: whiteouts, owners, modes, then directory times. */
export function fixupScript(f: ApplyFixups): string {
  return [
    `set -e`,
    ...f.whiteouts.map(p => `mknod -m 0 -- ${quote(p)} c 0 0`),
    ...lines(k => `chown -h ${k}`, f.owners.map(([p, u, g]) => [`${u}:${g}`, p])),
    ...lines(k => `chmod ${k}`, f.modes.map(([p, m]) => [`0${m.toString(8)}`, p])),
    ...lines(k => `touch -h -c -d @${k}`, f.dirTimes.map(([p, t]) => [String(t), p])),
    ``,
  ].join(`\n`);
}

/** Runs the fixups; rejects (with the shell's last stderr line) when any fails. */
export function runFixups(f: ApplyFixups, launcher: UsernsLauncher): Promise<void> {
  const argv = usernsArgv([`sh`, `-s`], launcher);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {stdio: [`pipe`, `ignore`, `pipe`]});
    let stderr = ``;
    child.stderr!.on(`data`, (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    child.on(`error`, reject);
    child.on(`close`, code => {
      if (code === 0) resolve();
      else reject(new Error(`layer fixups failed (${code}): ${stderr.trim().split(`\n`).pop() ?? ``}`));
    });
    child.stdin!.on(`error`, () => undefined);
    child.stdin!.end(fixupScript(f));
  });
}

// The second half of an unprivileged layer apply (applyLayer's `unprivileged`): the
// few things only root in the user namespace can do (owners other than 0:0, overlay
// whiteout device nodes, set-id bits the chown cleared, and directory times the
// whiteouts changed), with no Node process in the namespace. With tspod-helper, its
// `fixups` mode does them with syscalls (FixupRunner); without it, one `sh` with
// coreutils under util-linux unshare. Paths were recorded with no symlink in them;
// they are checked again first (a later entry of the layer may have replaced a
// directory with a symlink, which the kernel would follow out of the layer).
import {spawn} from 'node:child_process';
import {closeSync, lstatSync, read, readSync, write} from 'node:fs';
import type {ApplyFixups} from './applyLayer';
import {makePipe, spawnProgram} from '../sys/spawn';
import type {SpawnedProgram} from '../sys/spawn';
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

/** The batch `tspod-helper fixups` reads: `LEN\n`, then directives in the plan format (KEYWORD\0 COUNT\0 ARGS\0…). */
export function encodeFixups(f: ApplyFixups): Buffer {
  const parts: Array<string> = [];
  const add = (kw: string, args: Array<string>) => parts.push(kw, String(args.length), ...args);
  const grouped = (kw: string, items: Array<[string, string]>) => {
    const byKey = new Map<string, Array<string>>();
    for (const [key, path] of items) (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(path);
    for (const [key, paths] of byKey)
      for (let i = 0; i < paths.length; i += PER_LINE) add(kw, [...key.split(` `), ...paths.slice(i, i + PER_LINE)]);
  };
  for (let i = 0; i < f.whiteouts.length; i += PER_LINE) add(`whiteout`, f.whiteouts.slice(i, i + PER_LINE));
  grouped(`chown`, f.owners.map(([p, u, g]) => [`${u} ${g}`, p]));
  grouped(`chmod`, f.modes.map(([p, m]) => [`0${m.toString(8)}`, p]));
  grouped(`utime`, f.dirTimes.map(([p, t]) => [String(t), p]));
  if (parts.some(s => s.includes(`\0`))) throw new Error(`a fixup path holds a NUL byte`);
  const body = Buffer.from(parts.map(s => `${s}\0`).join(``));
  return Buffer.concat([Buffer.from(`${body.length}\n`), body]);
}

/**
 * One `tspod-helper userns -- tspod-helper fixups` for all of a store's layers, spawned
 * with posix_spawn (no fork of Node). start() early: the namespace and its maps
 * (newuidmap, newgidmap) are set up while the layer is still being applied.
 */
export class FixupRunner {
  private readonly helperPath: string;
  private proc: {child: SpawnedProgram, stdin: number, stdout: number, stderr: number} | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(helperPath: string) {
    this.helperPath = helperPath;
  }

  /** Starts the helper if it is not running. Throws when it cannot be spawned. */
  start(): void {
    if (this.proc) return;
    const argv = [this.helperPath, `userns`, `--`, this.helperPath, `fixups`];
    const stdin = makePipe(), stdout = makePipe(), stderr = makePipe({nonBlocking: true});
    try {
      const child = spawnProgram(argv[0]!, argv, [stdin.read, stdout.write, stderr.write]);
      this.proc = {child, stdin: stdin.write, stdout: stdout.read, stderr: stderr.read};
    } catch (err) {
      for (const fd of [stdin.write, stdout.read, stderr.read]) closeSync(fd);
      throw err;
    } finally {
      for (const fd of [stdin.read, stdout.write, stderr.write]) closeSync(fd);
    }
  }

  /** Does one layer's fixups; rejects with the helper's last stderr line when any fails. */
  run(f: ApplyFixups): Promise<void> {
    const done = this.queue.then(() => this.runNow(f));
    this.queue = done.catch(() => undefined);
    return done;
  }

  private async runNow(f: ApplyFixups): Promise<void> {
    this.start();
    const p = this.proc!;
    // Off the event loop's thread: a large batch fills the pipe until the helper reads it.
    const ok = await writeAll(p.stdin, encodeFixups(f)).then(() => readByte(p.stdout), () => undefined);
    if (ok === 0x30) return;
    this.proc = undefined;
    closeSync(p.stdin);
    const exit = await p.child.exited;
    const why = drain(p.stderr).trim().split(`\n`).pop() ?? ``;
    closeSync(p.stdout);
    throw new Error(`layer fixups failed (${exit.code ?? `signal ${exit.signal}`}): ${why}`);
  }

  /** Ends the helper (EOF on its stdin) and waits for it. */
  async close(): Promise<void> {
    await this.queue;
    const p = this.proc;
    if (!p) return;
    this.proc = undefined;
    closeSync(p.stdin);
    await p.child.exited;
    for (const fd of [p.stdout, p.stderr]) closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (off: number) => write(fd, buf, off, buf.length - off, null, (err, n) => {
      if (err) reject(err);
      else if (off + n < buf.length) next(off + n);
      else resolve();
    });
    next(0);
  });
}

/** One byte, or undefined at EOF. */
function readByte(fd: number): Promise<number | undefined> {
  return new Promise(resolve => {
    read(fd, Buffer.alloc(1), 0, 1, null, (err, n, buf) => resolve(err || n === 0 ? undefined : buf[0]));
  });
}

/** What is in a non-blocking pipe now (the writer has exited). */
function drain(fd: number): string {
  const chunks: Array<Buffer> = [];
  const buf = Buffer.alloc(4096);
  try {
    for (let n; (n = readSync(fd, buf)) > 0;) chunks.push(Buffer.from(buf.subarray(0, n)));
  } catch {} // EAGAIN: a process it forked still holds the pipe
  closeSync(fd);
  return Buffer.concat(chunks).toString();
}

/** Runs the fixups with `sh` (no tspod-helper); rejects (with the shell's last stderr line) when any fails. */
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

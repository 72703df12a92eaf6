// Runs the built tspod CLI as the current (unprivileged) user against a throwaway
// store: every test file gets its own --root and --runroot, never the user's own.
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {TSPOD_BIN, HELPER_BIN} from './project';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TempStore {
  root: string;
  runroot: string;
  /** Runs tspod with --root/--runroot of this store. */
  run(args: Array<string>, opts?: RunOpts): Promise<CliResult>;
  /** Parses stdout as JSON; fails with the output when the command failed. */
  json<T = any>(args: Array<string>, opts?: RunOpts): Promise<T>;
  cleanup(): void;
}

export interface RunOpts {
  input?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Open fds of this process that tspod gets as its 3, 4, … (--preserve-fds). */
  fds?: Array<number>;
}

export function runTspod(args: Array<string>, opts: RunOpts = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSPOD_BIN, ...args], {
      env: {...process.env, ...opts.env},
      stdio: [`pipe`, `pipe`, `pipe`, ...opts.fds ?? []],
    });
    let stdout = ``, stderr = ``;
    child.stdout!.on(`data`, d => { stdout += d; });
    child.stderr!.on(`data`, d => { stderr += d; });
    const timer = setTimeout(() => child.kill(`SIGKILL`), opts.timeoutMs ?? 120_000);
    child.on(`error`, reject);
    child.on(`close`, (code, signal) => {
      clearTimeout(timer);
      if (process.env.TSPOD_TEST_VERBOSE) process.stderr.write(`$ tspod ${args.join(` `)} -> ${code ?? signal}\n${stdout}${stderr}`);
      resolve({code: code ?? 128 + 9, stdout, stderr});
    });
    child.stdin!.end(opts.input ?? ``);
  });
}

export function tempStore(): TempStore {
  const base = mkdtempSync(join(tmpdir(), `tspod-store-`));
  const root = join(base, `root`);
  const runroot = join(base, `run`);
  const globals = [`--root`, root, `--runroot`, runroot];
  const store: TempStore = {
    root,
    runroot,
    run: (args, opts) => runTspod([...globals, ...args], opts),
    async json(args, opts) {
      const r = await store.run(args, opts);
      if (r.code !== 0) throw new Error(`tspod ${args.join(` `)} exited ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    },
    cleanup() {
      // Layers hold files owned by subordinate ids: remove them from inside the user namespace.
      spawnSync(HELPER_BIN, [`userns`, `--`, `rm`, `-rf`, base], {stdio: `ignore`});
      rmSync(base, {recursive: true, force: true});
    },
  };
  return store;
}

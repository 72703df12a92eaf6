// `unshare`: a command (the user's shell by default) as root of a user namespace mapped
// like a container's (the user's /etc/subuid and /etc/subgid ranges) with its own mount
// namespace: where a rootless user can read and remove the files their containers and
// images own on the host (an image file of uid 1000 is uid 100999 there).
// `tspod-helper userns` does the namespaces, relays signals and exits with the
// command's status; tspod hands itself over to it (execve) and spawns it only where
// that cannot be done.
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {uid} from '../../config/paths';
import {helperBin} from '../lifecycle/monitor';
import {canExecve, execve} from '../../sys/execve';
import {forwardSignals, killQuietly, RELAYED_SIGNALS} from '../../util/forwardSignals';
import {childProcess} from '../../util/lazyBuiltins';
import {accessSync, constants as fsConstants, existsSync, statSync} from 'node:fs';
import {constants} from 'node:os';
import {delimiter, join} from 'node:path';

export interface UnshareOptions {
  /** The command and its arguments; empty: $SHELL, else /bin/sh. */
  command: ReadonlyArray<string>;
  /** Become the helper (execve): nothing is left to do after the command. */
  inPlace?: boolean;
}

/** What the command finds in its environment: podman's variables, naming tspod's store. */
export function unshareEnv(ctx: EngineContext): Record<string, string | undefined> {
  return {
    ...ctx.env,
    CONTAINERS_GRAPHROOT: ctx.paths.graphRoot,
    CONTAINERS_RUNROOT: ctx.paths.runRoot,
  };
}

export async function unshare(ctx: EngineContext, o: UnshareOptions): Promise<number> {
  // podman: root has nothing to map (its files are already its own).
  if (uid() === 0) throw new TspodError(`Unsupported`, `unshare is for rootless users: as root, files in the store are already yours`, {hint: `run the command directly`});
  const command = o.command.length > 0 ? [...o.command] : [ctx.env.SHELL || `/bin/sh`];
  const helper = helperBin(ctx);
  if (!existsSync(helper)) throw new TspodError(`Host`, `the helper ${helper} is missing`, {hint: `build it: make -C helpers (or run ./install.sh)`});
  checkCommand(command[0]!, ctx.env.PATH);
  const argv = [`tspod-helper`, `userns`, `--`, ...command];
  const env = unshareEnv(ctx);
  if (o.inPlace && canExecve()) {
    try {
      execve(helper, argv, env);
    } catch (err) {
      ctx.log.debug(`unshare in place: ${(err as Error).message}; spawning the helper`);
    }
  }
  const child = childProcess().spawn(helper, argv.slice(1), {stdio: `inherit`, env: env as NodeJS.ProcessEnv});
  // The helper relays what it gets to the command (a terminal's ^C reaches both).
  const stopForwarding = forwardSignals(RELAYED_SIGNALS, sig => killQuietly(child.pid, sig));
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on(`error`, err => reject(new TspodError(`Host`, `spawn \`${helper}\`: ${(err as NodeJS.ErrnoException).code}`, {hint: `build the helper: make -C helpers`})));
      child.on(`close`, (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  } finally {
    stopForwarding();
  }
}

/**
 * The helper's execvp finds `cmd` as this does (the namespace sees the same files): a
 * missing or unrunnable command is said here in tspod's words, with podman's 127 and 126.
 */
function checkCommand(cmd: string, path: string | undefined): void {
  const candidates = cmd.includes(`/`) ? [cmd] : (path ?? `/usr/local/bin:/usr/bin:/bin`).split(delimiter).filter(d => d !== ``).map(d => join(d, cmd));
  let found: string | undefined;
  for (const p of candidates) {
    try {
      statSync(p);
      found ??= p;
      accessSync(p, fsConstants.X_OK);
      if (statSync(p).isFile()) return;
    } catch {}
  }
  if (found === undefined)
    throw new TspodError(`CommandNotFound`, `executable file \`${cmd}\` not found${cmd.includes(`/`) ? `` : ` in $PATH`}`, {hint: `check the command's name, or give its full path`});
  throw new TspodError(`CannotInvoke`, `\`${found}\` cannot be executed: permission denied (a directory, or a file without the x bit)`, {hint: `give an executable file`});
}

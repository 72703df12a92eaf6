// The words for the helper's failures, in one place: statusToError (helper.ts) says them
// for the status line tspod reads, and a helper that runs in tspod's place (`exec` after
// execve, where no one reads a status line) gets them as `on-error` directives and prints
// them itself (helpers/report.h).
import {TspodError} from '../engine/errors';

export function commandNotFound(cmd: string): TspodError {
  return new TspodError(`CommandNotFound`, `executable file \`${cmd}\` not found${cmd.includes(`/`) ? `` : ` in $PATH`}: no such file or directory`, {hint: `check the command and the image's PATH`});
}

/** `errno`: the name exec failed with (EACCES, ENOEXEC, ...). */
export function cannotInvoke(cmd: string, errno: string | undefined): TspodError {
  return new TspodError(`CannotInvoke`, `\`${cmd}\` cannot be executed: ${errno === `EACCES` ? `permission denied (a directory, or a file without the x bit)` : (errno ?? `error`).toLowerCase()}`, {hint: `check that the command is an executable file`});
}

export function kernelRefused(msg: string): TspodError {
  return new TspodError(`Host`, msg, {hint: `the kernel refused an unprivileged container operation; check user namespaces (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces)`});
}

/** exec -w: the helper's `chdir \`DIR\`: ENOENT` (stage `cwd`). */
export function workdirFailed(msg: string): TspodError {
  // 127, as podman's exec (runc's chdir failure reads to it as a command not found).
  return new TspodError(`CommandNotFound`, msg, {hint: `check the -w/--workdir directory exists in the container`});
}

/** One `on-error` directive: stage, errno name, exit code (each may be `*`), text. */
export type OnErrorRule = [stage: string, errno: string, code: string, text: string];

/**
 * What exec's helper prints when `cmd` fails, as `errorText` (the CLI's) words each error: the
 * errors and exit codes of statusToError and exec's -w case, first match wins. Texts are made
 * with NUL-marked stand-ins for the helper's message (%m) and errno name (%e), which no
 * argument can contain (plan tokens are NUL-terminated), so a `%` of the user's is escaped
 * and never taken for one.
 */
export function execFailureRules(cmd: string, errorText: (err: TspodError) => string): Array<OnErrorRule> {
  const MSG = `\0m`, ERRNO = `\0E`; // cannotInvoke lower-cases the errno: \0e
  const text = (err: TspodError) => errorText(err).replaceAll(`%`, `%%`).replaceAll(`\0m`, `%m`).replaceAll(`\0e`, `%e`);
  return [
    [`exec`, `*`, `127`, text(commandNotFound(cmd))],
    [`exec`, `EACCES`, `126`, text(cannotInvoke(cmd, `EACCES`))],
    [`exec`, `*`, `126`, text(cannotInvoke(cmd, ERRNO))],
    [`cwd`, `*`, `*`, text(workdirFailed(MSG))],
    [`*`, `EPERM`, `*`, text(kernelRefused(MSG))],
    [`*`, `ENOSYS`, `*`, text(kernelRefused(MSG))],
    [`*`, `*`, `*`, text(new TspodError(`Internal`, MSG))],
  ];
}

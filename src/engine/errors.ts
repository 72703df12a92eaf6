// Domain errors, named once (podman's libpod/define/errors.go). The CLI maps each
// code to an exit status; the message says what is wrong and, where we know it, how
// to fix it. Violated invariants are plain `Error('Assertion failed: …')`.

export type TspodErrorCode =
  | `InvalidArgument`   // bad flag value, malformed reference or spec
  | `NoSuchImage`
  | `NoSuchContainer`
  | `NoSuchVolume`
  | `NoSuchPod`
  | `NoSuchObject`      // top-level inspect: no container, image or volume by that name
  | `CtrStateInvalid`   // the container is in the wrong state for the verb
  | `ImageInUse`
  | `NameInUse`
  | `Registry`          // the registry answered with an error
  | `Network`           // could not reach a registry or a peer
  | `DigestMismatch`
  | `Host`              // the host lacks something tspod needs (with a fix)
  | `Unsupported`       // asked for something this host cannot do (e.g. limits on cgroup v1)
  | `Storage`           // the store is damaged or could not be written
  | `Locked`            // another tspod holds a lock for too long
  | `CannotInvoke`      // 126: the command exists but cannot be executed
  | `CommandNotFound`   // 127: the command does not exist in the container
  | `Internal`;

export class TspodError extends Error {
  readonly code: TspodErrorCode;
  /** One line that says how to fix it, printed after the message. */
  readonly hint?: string;

  constructor(code: TspodErrorCode, message: string, opts: {hint?: string, cause?: unknown} = {}) {
    super(message, opts.cause === undefined ? undefined : {cause: opts.cause});
    this.name = `TspodError`;
    this.code = code;
    if (opts.hint !== undefined)
      this.hint = opts.hint;
  }
}

export function isTspodError(err: unknown, code?: TspodErrorCode): err is TspodError {
  return err instanceof TspodError && (code === undefined || err.code === code);
}

/** podman's exit codes (libpod/define/exec_codes.go). */
export const ExitCode = {
  engine: 125,
  cannotInvoke: 126,
  notFound: 127,
} as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof TspodError) {
    if (err.code === `CannotInvoke`) return ExitCode.cannotInvoke;
    if (err.code === `CommandNotFound`) return ExitCode.notFound;
  }
  return ExitCode.engine;
}

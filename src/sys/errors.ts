// Errors from system calls (crun's convention): the message is a lowercase verb,
// the operand(s) in backticks, then the errno name. Callers branch on `code`.

export class SysError extends Error {
  /** errno name, e.g. `EPERM`. */
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly path?: string;
  readonly dest?: string;

  /** `joiner` sits between two operands: "mount `x` on `y`", "rename `x` to `y`". */
  constructor(syscall: string, errno: number, path?: string, dest?: string, verb: string = syscall, joiner = `on`) {
    const code = errnoName(errno);
    const operands = path === undefined ? `` : dest === undefined ? ` \`${path}\`` : ` \`${path}\` ${joiner} \`${dest}\``;
    super(`${verb}${operands}: ${code}`);
    this.name = `SysError`;
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    if (path !== undefined) this.path = path;
    if (dest !== undefined) this.dest = dest;
  }
}

export function isSysError(err: unknown, code?: string): err is SysError {
  return err instanceof SysError && (code === undefined || err.code === code);
}

/** Node's own fs errors carry `code` too: one test for both kinds. */
export function errCode(err: unknown): string | undefined {
  const c = (err as {code?: unknown} | null)?.code;
  return typeof c === `string` ? c : undefined;
}

let names: Map<number, string> | undefined;

/** errno number → name, from koffi's table (loaded only when an error happens). */
export function errnoName(errno: number): string {
  if (!names) {
    names = new Map();
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const table = (require(`koffi`) as typeof import('koffi')).os.errno;
      for (const [name, num] of Object.entries(table))
        if (!names.has(num)) names.set(num, name);
      names.set(11, `EAGAIN`);
    } catch {
      // koffi missing: numbers only.
    }
  }
  return names.get(errno) ?? `errno ${errno}`;
}

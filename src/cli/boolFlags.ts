// podman's flag parser takes `--rm=false` and `--tls-verify=true` for every boolean
// flag; clipanion only knows `--rm` and `--no-rm`. When clipanion rejects such a token
// as an unknown option name, it is rewritten to the form clipanion knows and the line
// is parsed again. Only tokens clipanion itself read as options are touched, so a
// container's own arguments (`run alpine prog --rm=false`) are left alone.

const BOOL_ASSIGN = /^Invalid option name \("(--[A-Za-z][\w-]*)=(true|false)"\)/i;

/** The argv with the rejected `--flag=true|false` rewritten, or undefined when `err` is another parse error. */
export function rewriteBooleanAssignment(argv: ReadonlyArray<string>, err: unknown): Array<string> | undefined {
  const m = BOOL_ASSIGN.exec(err instanceof Error ? err.message : ``);
  if (!m) return undefined;
  const token = `${m[1]}=${m[2]}`;
  const at = argv.indexOf(token);
  if (at < 0) return undefined;
  const out = argv.slice();
  out[at] = m[2]!.toLowerCase() === `true` ? m[1]! : `--no-${m[1]!.slice(2)}`;
  return out;
}

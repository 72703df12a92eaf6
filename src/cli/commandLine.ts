// Reading a command line's words without parsing it: which command (or group, or help)
// it names decides what main.ts loads, before any command class is.

// Options every command takes, with a value: skipped to find the command's first word.
export const GLOBAL_WITH_VALUE = new Set([`--root`, `--runroot`, `--storage-driver`, `--log-level`, `--runtime`, `--cgroup-manager`, `--events-backend`]);

/** The command line's words that are not options (nor a global option's value). */
export function commandWords(argv: ReadonlyArray<string>): Array<string> {
  const out: Array<string> = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(a)) { i++; continue; }
    if (!a.startsWith(`-`)) out.push(a);
  }
  return out;
}

/** The command line's first word that is not an option (nor a global option's value). */
export function commandWord(argv: ReadonlyArray<string>): string | undefined {
  return commandWords(argv)[0];
}

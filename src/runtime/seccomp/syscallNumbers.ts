// Syscall numbers by name for the ABIs the seccomp compiler knows, made on first use from
// the generated lists (syscallTables.ts: the Nth word is call N).
import {SYSCALL_NAMES_AARCH64, SYSCALL_NAMES_I386, SYSCALL_NAMES_X86_64} from './syscallTables';

export type SyscallAbi = `x86_64` | `i386` | `aarch64`;

const LISTS: Record<SyscallAbi, string> = {x86_64: SYSCALL_NAMES_X86_64, i386: SYSCALL_NAMES_I386, aarch64: SYSCALL_NAMES_AARCH64};
const made = new Map<SyscallAbi, ReadonlyMap<string, number>>();

export function syscallNumbers(abi: SyscallAbi): ReadonlyMap<string, number> {
  let m = made.get(abi);
  if (m === undefined) {
    const numbers = new Map<string, number>();
    LISTS[abi].trim().split(/\s+/).forEach((name, nr) => { if (name !== `-`) numbers.set(name, nr); });
    made.set(abi, m = numbers);
  }
  return m;
}

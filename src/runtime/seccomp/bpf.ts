// A spec's seccomp filter (LinuxSeccomp) compiled to the classic BPF program the kernel
// runs on every system call (linux/seccomp.h, linux/filter.h). tspod-helper only installs
// it; with --runtime runc, runc compiles the same spec with libseccomp.
//
// The program: the architecture picks a section (an ABI the profile does not name, and
// x32, get ENOSYS for everything); a section first tests the rules with conditions on
// arguments (the narrower ones), one block each, then the plain ones, a compare per number
// and one return per rule, then returns the default action.
import type {LinuxSeccomp, LinuxSyscallRule} from '../../oci/runtimeSpec';
import {syscallNumbers} from './syscallNumbers';
import type {SyscallAbi} from './syscallNumbers';

const EPERM = 1, ENOSYS = 38;

/** seccomp_data: nr, arch, then the instruction pointer and six 64-bit arguments. */
const OFF_NR = 0, OFF_ARCH = 4, OFF_ARGS = 16;

// Opcodes (linux/bpf_common.h).
const LD_W_ABS = 0x20, ALU_AND_K = 0x54, JMP_JA = 0x05, JEQ_K = 0x15, JGT_K = 0x25, JGE_K = 0x35, RET_K = 0x06;

const RET = {KILL_PROCESS: 0x80000000, KILL_THREAD: 0, TRAP: 0x00030000, ERRNO: 0x00050000, TRACE: 0x7ff00000, LOG: 0x7ffc0000, ALLOW: 0x7fff0000};

/** The kernel refuses programs longer than this (BPF_MAXINSNS). */
const MAX_INSNS = 4096;

interface Abi {
  audit: number;
  table: SyscallAbi;
  /** Arguments are 32 bits wide: only the low word is compared. */
  narrow: boolean;
}

const ABIS: Record<string, Abi> = {
  SCMP_ARCH_X86_64: {audit: 0xc000003e, table: `x86_64`, narrow: false},
  SCMP_ARCH_X86: {audit: 0x40000003, table: `i386`, narrow: true},
  SCMP_ARCH_AARCH64: {audit: 0xc00000b7, table: `aarch64`, narrow: false},
};

/** The ABIs a process on this host can call the kernel with: the native one first. */
const HOST_ABIS: Record<string, Array<string>> = {x64: [`SCMP_ARCH_X86_64`, `SCMP_ARCH_X86`], arm64: [`SCMP_ARCH_AARCH64`]};

export class SeccompError extends Error {}

/** Whether tspod can compile filters for this host's architecture. */
export function seccompSupported(arch: string = process.arch): boolean {
  return HOST_ABIS[arch] !== undefined;
}

/** The program being written: sock_filter fields, four numbers an instruction. */
class Program {
  readonly q: Array<number> = [];
  get length(): number { return this.q.length >> 2; }
  stmt(code: number, k: number): void { this.q.push(code, 0, 0, k >>> 0); }
  /** A conditional jump to absolute instruction indexes (when true, when false). */
  jump(code: number, k: number, ifTrue: number, ifFalse: number): void {
    const next = this.length + 1;
    this.q.push(code, ifTrue - next, ifFalse - next, k >>> 0);
  }
}

/** The kernel's return value for a libseccomp action name. */
export function actionValue(action: string, errnoRet: number | undefined, defaultErrno = EPERM): number {
  switch (action) {
    case `SCMP_ACT_ALLOW`: return RET.ALLOW;
    case `SCMP_ACT_ERRNO`: return RET.ERRNO | ((errnoRet ?? defaultErrno) & 0xffff);
    case `SCMP_ACT_KILL`: case `SCMP_ACT_KILL_THREAD`: return RET.KILL_THREAD;
    case `SCMP_ACT_KILL_PROCESS`: return RET.KILL_PROCESS;
    case `SCMP_ACT_TRAP`: return RET.TRAP;
    // With no tracer attached the kernel answers ENOSYS.
    case `SCMP_ACT_TRACE`: return RET.TRACE | ((errnoRet ?? EPERM) & 0xffff);
    case `SCMP_ACT_LOG`: return RET.LOG;
    default: throw new SeccompError(`seccomp action "${action}" is not supported`);
  }
}

type Arg = NonNullable<LinuxSyscallRule[`args`]>[number];

/** How many instructions condition() writes for this argument test. */
function conditionLength(arg: Arg, narrow: boolean): number {
  switch (arg.op) {
    case `SCMP_CMP_EQ`: case `SCMP_CMP_NE`: return narrow ? 2 : 4;
    case `SCMP_CMP_MASKED_EQ`: return narrow ? 3 : 6;
    case `SCMP_CMP_GT`: case `SCMP_CMP_GE`: case `SCMP_CMP_LT`: case `SCMP_CMP_LE`: return narrow ? 2 : 5;
    default: throw new SeccompError(`seccomp operator "${arg.op}" is not supported`);
  }
}

/** Falls through when the argument matches, jumps to instruction `fail` when not. */
function condition(p: Program, arg: Arg, narrow: boolean, fail: number): void {
  if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index > 5) throw new SeccompError(`seccomp argument index ${arg.index} is out of range (0 to 5)`);
  const v = BigInt(arg.value), v2 = BigInt(arg.valueTwo ?? 0);
  const lo = (x: bigint) => Number(x & 0xffffffffn), hi = (x: bigint) => Number((x >> 32n) & 0xffffffffn);
  const offLo = OFF_ARGS + 8 * arg.index, offHi = offLo + 4;
  // The first instruction after this condition.
  const next = p.length + conditionLength(arg, narrow);
  // A 32-bit ABI has no high word: only the low one is compared.
  switch (arg.op) {
    case `SCMP_CMP_EQ`:
      if (!narrow) { p.stmt(LD_W_ABS, offHi); p.jump(JEQ_K, hi(v), p.length + 1, fail); }
      p.stmt(LD_W_ABS, offLo); p.jump(JEQ_K, lo(v), next, fail);
      return;
    case `SCMP_CMP_NE`:
      // Not equal when either word differs.
      if (!narrow) { p.stmt(LD_W_ABS, offHi); p.jump(JEQ_K, hi(v), p.length + 1, next); }
      p.stmt(LD_W_ABS, offLo); p.jump(JEQ_K, lo(v), fail, next);
      return;
    case `SCMP_CMP_MASKED_EQ`:
      // value is the mask, valueTwo what the masked argument must be.
      if (!narrow) { p.stmt(LD_W_ABS, offHi); p.stmt(ALU_AND_K, hi(v)); p.jump(JEQ_K, hi(v2), p.length + 1, fail); }
      p.stmt(LD_W_ABS, offLo); p.stmt(ALU_AND_K, lo(v)); p.jump(JEQ_K, lo(v2), next, fail);
      return;
    default: {
      // Unsigned 64-bit order: the high words decide unless they are equal.
      const greater = arg.op === `SCMP_CMP_GT` || arg.op === `SCMP_CMP_GE`;
      const strict = arg.op === `SCMP_CMP_GT` || arg.op === `SCMP_CMP_LE`;
      if (!narrow) {
        p.stmt(LD_W_ABS, offHi);
        // GT/GE: a greater high word passes; LT/LE: a smaller one. Unequal otherwise fails.
        if (greater) p.jump(JGT_K, hi(v), next, p.length + 1);
        else p.jump(JGE_K, hi(v), p.length + 1, next);
        p.jump(JEQ_K, hi(v), p.length + 1, fail);
      }
      p.stmt(LD_W_ABS, offLo);
      // GT: lo > v passes; GE: lo >= v; LT fails when lo >= v; LE fails when lo > v.
      if (greater) p.jump(strict ? JGT_K : JGE_K, lo(v), next, fail);
      else p.jump(strict ? JGT_K : JGE_K, lo(v), fail, next);
    }
  }
}

/** One rule with conditions for one syscall number: its number, its conditions, then its return. */
function conditionalRule(p: Program, nr: number, args: ReadonlyArray<Arg>, narrow: boolean, ret: number): void {
  const fail = p.length + 2 + args.reduce((n, a) => n + conditionLength(a, narrow), 0) + 1;
  p.stmt(LD_W_ABS, OFF_NR);
  p.jump(JEQ_K, nr, p.length + 1, fail);
  for (const a of args) condition(p, a, narrow, fail);
  p.stmt(RET_K, ret);
}

/** Numbers that share a return without conditions: one load, a compare each, one return (at most 255 away). */
function plainRules(p: Program, nrs: ReadonlyArray<number>, ret: number): void {
  for (let i = 0; i < nrs.length; i += 250) {
    const chunk = nrs.slice(i, i + 250);
    const retAt = p.length + 1 + chunk.length;
    p.stmt(LD_W_ABS, OFF_NR);
    for (const nr of chunk) p.jump(JEQ_K, nr, retAt, p.length + 1);
    // The last compare falls through to here only on a match: skip the return otherwise.
    p.q[p.q.length - 2] = 1;
    p.stmt(RET_K, ret);
  }
}

/** The rules of one ABI, narrower (with conditions) first, then the default. */
function section(p: Program, profile: LinuxSeccomp, abi: Abi, native: boolean): void {
  // x32 calls come with the x86_64 audit arch and bit 30 set in the number.
  if (native && abi === ABIS.SCMP_ARCH_X86_64) {
    p.stmt(LD_W_ABS, OFF_NR);
    p.jump(JGE_K, 0x40000000, p.length + 1, p.length + 2);
    p.stmt(RET_K, RET.ERRNO | ENOSYS);
  }
  const rules = profile.syscalls ?? [];
  // As libseccomp: a name this ABI has no number for is skipped (arm64 has no `open`).
  const table = syscallNumbers(abi.table);
  const numbers = (r: LinuxSyscallRule) => r.names.map(n => table.get(n)).filter((n): n is number => n !== undefined);
  for (const rule of rules)
    if ((rule.args ?? []).length > 0)
      for (const nr of numbers(rule)) conditionalRule(p, nr, rule.args!, abi.narrow, actionValue(rule.action, rule.errnoRet, profile.defaultErrnoRet ?? EPERM));
  for (const rule of rules)
    if ((rule.args ?? []).length === 0) {
      const nrs = numbers(rule);
      if (nrs.length > 0) plainRules(p, nrs, actionValue(rule.action, rule.errnoRet, profile.defaultErrnoRet ?? EPERM));
    }
  p.stmt(RET_K, actionValue(profile.defaultAction, profile.defaultErrnoRet));
}

/** The program for this host, as the bytes of its sock_filter array. */
export function compileSeccomp(profile: LinuxSeccomp, arch: string = process.arch): Buffer {
  const hostAbis = HOST_ABIS[arch];
  if (hostAbis === undefined) throw new SeccompError(`seccomp filters are not supported on ${arch}`);
  // The native ABI is always filtered; a compat one only when the profile names it.
  const named = new Set(profile.architectures ?? []);
  const abis = hostAbis.filter((a, i) => i === 0 || named.has(a));
  // Dispatch: `jeq ARCH; ja SECTION` per ABI, then ENOSYS for any other; the sections
  // follow, their starts patched into the `ja`s as they are written.
  const p = new Program();
  p.stmt(LD_W_ABS, OFF_ARCH);
  const jas: Array<number> = [];
  for (const a of abis) {
    p.jump(JEQ_K, ABIS[a]!.audit, p.length + 1, p.length + 2);
    jas.push(p.length);
    p.stmt(JMP_JA, 0);
  }
  p.stmt(RET_K, RET.ERRNO | ENOSYS);
  abis.forEach((a, i) => {
    p.q[jas[i]! * 4 + 3] = p.length - jas[i]! - 1;
    section(p, profile, ABIS[a]!, i === 0);
  });
  const n = p.length;
  if (n > MAX_INSNS) throw new SeccompError(`the seccomp profile needs ${n} BPF instructions, more than the kernel's ${MAX_INSNS}`);
  const buf = Buffer.alloc(n * 8);
  for (let i = 0; i < n; i++) {
    const [code, jt, jf, k] = [p.q[4 * i]!, p.q[4 * i + 1]!, p.q[4 * i + 2]!, p.q[4 * i + 3]!];
    if (jt < 0 || jt > 255 || jf < 0 || jf > 255) throw new Error(`Assertion failed: seccomp jump out of range at ${i}`);
    buf.writeUInt16LE(code, i * 8);
    buf[i * 8 + 2] = jt;
    buf[i * 8 + 3] = jf;
    buf.writeUInt32LE(k >>> 0, i * 8 + 4);
  }
  return buf;
}

// The seccomp compiler's programs run through a classic-BPF interpreter (below, the
// kernel's semantics for the instructions the compiler writes): the cases the end-to-end
// tests cannot make on this host (i386 and x32 calls, other architectures), 64-bit
// argument comparisons at their word boundaries, and an allowlist long enough to need
// more than one compare chain.
import test from 'ava';
import {compileSeccomp, SeccompError} from '../../src/runtime/seccomp/bpf';
import {defaultSeccompProfile} from '../../src/runtime/seccomp/defaultProfile';
import {syscallNumbers} from '../../src/runtime/seccomp/syscallNumbers';
import {DEFAULT_CAPABILITIES} from '../../src/runtime/capabilities';
import type {LinuxSeccomp} from '../../src/oci/runtimeSpec';

const SYSCALLS_X86_64 = Object.fromEntries(syscallNumbers(`x86_64`)), SYSCALLS_I386 = Object.fromEntries(syscallNumbers(`i386`)), SYSCALLS_AARCH64 = Object.fromEntries(syscallNumbers(`aarch64`));
const X86_64 = 0xc000003e, I386 = 0x40000003, AARCH64 = 0xc00000b7, ARM = 0x40000028;
const ALLOW = 0x7fff0000, KILL_PROCESS = 0x80000000;
const errno = (n: number) => 0x00050000 | n;

/** Runs the program on one call: the value the kernel would act on. */
function run(prog: Buffer, arch: number, nr: number, args: Array<bigint> = []): number {
  const data = Buffer.alloc(64);
  data.writeUInt32LE(nr >>> 0, 0);
  data.writeUInt32LE(arch >>> 0, 4);
  for (let i = 0; i < 6; i++) data.writeBigUInt64LE(args[i] ?? 0n, 16 + 8 * i);
  let a = 0;
  for (let pc = 0, steps = 0; steps < 10_000; steps++) {
    if (pc * 8 >= prog.length) throw new Error(`ran off the end at ${pc}`);
    const code = prog.readUInt16LE(pc * 8), jt = prog[pc * 8 + 2]!, jf = prog[pc * 8 + 3]!, k = prog.readUInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case 0x20: a = data.readUInt32LE(k); break;
      case 0x54: a = (a & k) >>> 0; break;
      case 0x05: pc += k; break;
      case 0x15: pc += a === k ? jt : jf; break;
      case 0x25: pc += a > k ? jt : jf; break;
      case 0x35: pc += a >= k ? jt : jf; break;
      case 0x06: return k;
      default: throw new Error(`unknown opcode ${code.toString(16)} at ${pc - 1}`);
    }
  }
  throw new Error(`no return`);
}

test(`the generated lists give each ABI's numbers, gaps kept`, t => {
  t.is(SYSCALLS_X86_64.read, 0);
  t.is(SYSCALLS_X86_64.add_key, 248);
  t.is(SYSCALLS_X86_64.pidfd_send_signal, 424, `after the gap from 335 to 423`);
  t.is(SYSCALLS_I386.add_key, 286);
  t.is(SYSCALLS_AARCH64.openat, 56);
  t.false(`open` in SYSCALLS_AARCH64);
});

const defaults = compileSeccomp(defaultSeccompProfile(DEFAULT_CAPABILITIES), `x64`);

test(`the default profile on x86_64: its refusals, the rest allowed, x32 and unknown ABIs ENOSYS`, t => {
  t.is(run(defaults, X86_64, SYSCALLS_X86_64.add_key!), errno(38));
  t.is(run(defaults, X86_64, SYSCALLS_X86_64.kexec_load!), errno(1));
  t.is(run(defaults, X86_64, SYSCALLS_X86_64.setns!), errno(1));
  t.is(run(defaults, X86_64, SYSCALLS_X86_64.chroot!), ALLOW, `SYS_CHROOT is a default capability`);
  for (const name of [`read`, `write`, `openat`, `clone`, `clone3`, `execve`, `mount`, `unshare`, `keyctl`, `ptrace`])
    t.is(run(defaults, X86_64, SYSCALLS_X86_64[name]!), ALLOW, name);
  t.is(run(defaults, X86_64, 0x40000000 | SYSCALLS_X86_64.read!), errno(38), `x32`);
  t.is(run(defaults, ARM, 3), errno(38));
});

test(`the default profile filters i386 calls by i386 numbers, comparing 32-bit arguments`, t => {
  t.is(run(defaults, I386, SYSCALLS_I386.add_key!), errno(38));
  t.is(run(defaults, I386, SYSCALLS_I386.swapon!), errno(1));
  t.is(run(defaults, I386, SYSCALLS_I386.read!), ALLOW);
  // 248, x86_64's add_key, is io_submit on i386: the i386 table decides.
  t.is(SYSCALLS_I386.io_submit, SYSCALLS_X86_64.add_key);
  t.is(run(defaults, I386, 248), ALLOW);
  t.is(run(defaults, I386, SYSCALLS_I386.personality!, [0x40000n]), errno(38));
  t.is(run(defaults, I386, SYSCALLS_I386.personality!, [0xffffffffn]), ALLOW);
  t.is(run(defaults, I386, SYSCALLS_I386.personality!, [8n]), ALLOW);
});

test(`capabilities lift their groups; an audit netlink socket needs AUDIT_WRITE`, t => {
  const admin = compileSeccomp(defaultSeccompProfile([...DEFAULT_CAPABILITIES, `CAP_SYS_ADMIN`, `CAP_AUDIT_WRITE`]), `x64`);
  t.is(run(admin, X86_64, SYSCALLS_X86_64.setns!), ALLOW);
  t.is(run(admin, X86_64, SYSCALLS_X86_64.socket!, [16n, 3n, 9n]), ALLOW);
  t.is(run(defaults, X86_64, SYSCALLS_X86_64.socket!, [16n, 3n, 9n]), errno(22));
  t.is(run(defaults, X86_64, SYSCALLS_X86_64.socket!, [16n, 3n, 0n]), ALLOW);
  t.is(run(defaults, X86_64, SYSCALLS_X86_64.socket!, [2n, 1n, 0n]), ALLOW);
  // The high word counts: 2^32 + 16 is not AF_NETLINK.
  t.is(run(defaults, X86_64, SYSCALLS_X86_64.socket!, [(1n << 32n) | 16n, 3n, 9n]), ALLOW);
});

test(`64-bit comparisons at the word boundaries`, t => {
  const v = (1n << 32n) + 5n;
  const ops = [`SCMP_CMP_EQ`, `SCMP_CMP_NE`, `SCMP_CMP_LT`, `SCMP_CMP_LE`, `SCMP_CMP_GT`, `SCMP_CMP_GE`] as const;
  const holds = (op: typeof ops[number], x: bigint): boolean => ({SCMP_CMP_EQ: x === v, SCMP_CMP_NE: x !== v, SCMP_CMP_LT: x < v, SCMP_CMP_LE: x <= v, SCMP_CMP_GT: x > v, SCMP_CMP_GE: x >= v})[op];
  const samples = [0n, 5n, 6n, 4n, 1n << 32n, v - 1n, v, v + 1n, (2n << 32n) + 5n, (2n << 32n), 0xffffffffn, 0xffffffffffffffffn];
  for (const op of ops) {
    // value is a JSON number in a profile; 2^32 + 5 is exact as one.
    const prog = compileSeccomp({defaultAction: `SCMP_ACT_ALLOW`, syscalls: [{names: [`getppid`], action: `SCMP_ACT_ERRNO`, errnoRet: 7, args: [{index: 3, value: Number(v), op}]}]}, `x64`);
    for (const x of samples) t.is(run(prog, X86_64, SYSCALLS_X86_64.getppid!, [0n, 0n, 0n, x]), holds(op, x) ? errno(7) : ALLOW, `${op} ${x}`);
  }
  const masked = compileSeccomp({defaultAction: `SCMP_ACT_ALLOW`, syscalls: [{names: [`clone`], action: `SCMP_ACT_ERRNO`, args: [{index: 0, value: 0x7e020000, valueTwo: 0, op: `SCMP_CMP_MASKED_EQ`}]}]}, `x64`);
  // CLONE_NEWUSER (0x10000000) set: the masked value is not 0, the rule does not apply.
  t.is(run(masked, X86_64, SYSCALLS_X86_64.clone!, [0x10000000n]), ALLOW);
  t.is(run(masked, X86_64, SYSCALLS_X86_64.clone!, [0x11n | (1n << 40n)]), errno(1));
});

test(`an allowlist of every x86_64 call but one: more than one compare chain, the default for the one left out`, t => {
  const names = Object.keys(SYSCALLS_X86_64).filter(n => n !== `uname`);
  const profile: LinuxSeccomp = {defaultAction: `SCMP_ACT_ERRNO`, defaultErrnoRet: 38, syscalls: [{names, action: `SCMP_ACT_ALLOW`}, {names: [`kill`], action: `SCMP_ACT_KILL_PROCESS`, args: [{index: 1, value: 9, op: `SCMP_CMP_EQ`}]}]};
  const prog = compileSeccomp(profile, `x64`);
  for (const n of names) if (n !== `kill`) t.is(run(prog, X86_64, SYSCALLS_X86_64[n]!), ALLOW, n);
  t.is(run(prog, X86_64, SYSCALLS_X86_64.uname!), errno(38));
  // The rule with a condition comes first: kill(…, SIGKILL) is the kill action, other signals pass.
  t.is(run(prog, X86_64, SYSCALLS_X86_64.kill!, [1n, 9n]), KILL_PROCESS);
  t.is(run(prog, X86_64, SYSCALLS_X86_64.kill!, [1n, 15n]), ALLOW);
});

test(`arm64: its own numbers; names it lacks are skipped; other hosts and bad rules are refused`, t => {
  const prog = compileSeccomp(defaultSeccompProfile(DEFAULT_CAPABILITIES), `arm64`);
  t.is(run(prog, AARCH64, SYSCALLS_AARCH64.add_key!), errno(38));
  t.is(run(prog, AARCH64, SYSCALLS_AARCH64.openat!), ALLOW);
  t.is(run(prog, X86_64, SYSCALLS_X86_64.read!), errno(38), `an ABI an arm64 host does not have`);
  t.throws(() => compileSeccomp({defaultAction: `SCMP_ACT_ALLOW`}, `riscv64`), {instanceOf: SeccompError});
  t.throws(() => compileSeccomp({defaultAction: `SCMP_ACT_NOTIFY`}, `x64`), {instanceOf: SeccompError, message: /SCMP_ACT_NOTIFY/});
  t.throws(() => compileSeccomp({defaultAction: `SCMP_ACT_ALLOW`, syscalls: [{names: [`read`], action: `SCMP_ACT_ALLOW`, args: [{index: 6, value: 0, op: `SCMP_CMP_EQ`}]}]}, `x64`), {message: /index 6/});
  t.throws(() => compileSeccomp({defaultAction: `SCMP_ACT_ALLOW`, syscalls: [{names: [`read`], action: `SCMP_ACT_ALLOW`, args: [{index: 0, value: 0, op: `SCMP_CMP_XX`}]}]}, `x64`), {message: /SCMP_CMP_XX/});
});

// tspod's default seccomp profile: every system call allowed but the few that reach state
// the container's namespaces do not isolate (the kernel's keyrings, modules, swap, clocks,
// io_uring, userfaultfd, …). podman's default is a list of allowed calls; this is the
// list of refused ones instead, chosen to refuse what podman's refuses to a container with
// the same capabilities, with the same errors: EPERM for what podman names, ENOSYS for
// what its list leaves out. Calls guarded by a capability are refused only when the
// container lacks it, so --cap-add SYS_TIME lets settimeofday through (to the kernel,
// which still decides in the user namespace).
import type {LinuxSeccomp, LinuxSyscallRule} from '../../oci/runtimeSpec';

const EPERM = 1, EINVAL = 22, ENOSYS = 38;

/** Refused whatever the capabilities: machine-wide, obsolete, or a history of kernel bugs. */
const ALWAYS_EPERM = [
  `kexec_load`, `kexec_file_load`, `swapon`, `swapoff`, `nfsservctl`, `uselib`, `ustat`, `sysfs`,
  `userfaultfd`, `vmsplice`, `migrate_pages`, `move_pages`, `io_pgetevents`, `bdflush`,
  `vm86`, `vm86old`, `oldfstat`, `oldlstat`, `oldstat`, `olduname`, `oldolduname`, `sgetmask`, `ssetmask`,
];

/** Not for containers (podman's list leaves them out: the caller sees "not implemented"). */
const ALWAYS_ENOSYS = [
  `add_key`, `request_key`, `io_uring_setup`, `io_uring_enter`, `io_uring_register`, `quotactl_fd`,
  `_sysctl`, `create_module`, `get_kernel_syms`, `afs_syscall`, `tuxcall`, `security`, `vserver`,
  `getpmsg`, `putpmsg`,
];

/** Refused unless the container has the capability. */
const BY_CAPABILITY: ReadonlyArray<[string, Array<string>]> = [
  [`CAP_SYS_ADMIN`, [`bpf`, `fanotify_init`, `lookup_dcookie`, `perf_event_open`, `quotactl`, `setdomainname`, `sethostname`, `setns`]],
  [`CAP_SYS_MODULE`, [`init_module`, `finit_module`, `delete_module`, `query_module`]],
  [`CAP_SYS_PACCT`, [`acct`]],
  [`CAP_SYS_PTRACE`, [`kcmp`, `process_madvise`]],
  [`CAP_SYS_RAWIO`, [`ioperm`, `iopl`]],
  [`CAP_SYS_TIME`, [`clock_settime`, `clock_settime64`, `settimeofday`, `stime`]],
  [`CAP_SYS_TTY_CONFIG`, [`vhangup`]],
  [`CAP_SYS_CHROOT`, [`chroot`]],
  [`CAP_DAC_READ_SEARCH`, [`open_by_handle_at`]],
];

/** personality(2) values programs use (Linux, 32-bit, uname26, both, and the query); not e.g. ADDR_NO_RANDOMIZE. */
const PERSONALITIES = [0, 0x8, 0x20000, 0x20008, 0xffffffff];

const AF_NETLINK = 16, NETLINK_AUDIT = 9;

/** The profile for a container with these capabilities (its bounding set). */
export function defaultSeccompProfile(capabilities: ReadonlyArray<string>): LinuxSeccomp {
  const has = new Set(capabilities);
  const missing = BY_CAPABILITY.filter(([cap]) => !has.has(cap)).flatMap(([, names]) => names);
  const syscalls: Array<LinuxSyscallRule> = [
    {names: ALWAYS_EPERM.concat(missing), action: `SCMP_ACT_ERRNO`, errnoRet: EPERM},
    {names: ALWAYS_ENOSYS, action: `SCMP_ACT_ERRNO`, errnoRet: ENOSYS},
    {names: [`personality`], action: `SCMP_ACT_ERRNO`, errnoRet: ENOSYS, args: PERSONALITIES.map(value => ({index: 0, value, op: `SCMP_CMP_NE`}))},
  ];
  // Without AUDIT_WRITE, no audit netlink socket: the kernel's audit log is the host's.
  if (!has.has(`CAP_AUDIT_WRITE`))
    syscalls.push({names: [`socket`], action: `SCMP_ACT_ERRNO`, errnoRet: EINVAL, args: [{index: 0, value: AF_NETLINK, op: `SCMP_CMP_EQ`}, {index: 2, value: NETLINK_AUDIT, op: `SCMP_CMP_EQ`}]});
  return {defaultAction: `SCMP_ACT_ALLOW`, architectures: [`SCMP_ARCH_X86_64`, `SCMP_ARCH_X86`, `SCMP_ARCH_X32`, `SCMP_ARCH_AARCH64`], syscalls};
}

// The subset of the OCI runtime spec (config.json) tspod produces and consumes.
// Pure types: the engine builds a RuntimeSpec, runtime/specToPlan.ts lowers it for
// tspod-helper, runtime/runc.ts writes it as a bundle's config.json.

export interface RuntimeSpec {
  ociVersion: string;
  process: Process;
  root: {path: string, readonly?: boolean};
  hostname?: string;
  mounts?: Array<Mount>;
  linux?: Linux;
  annotations?: Record<string, string>;
  /** Only in the config.json handed to runc/crun (runtime/ociSpec.ts), never in the saved spec. */
  hooks?: Hooks;
}

export interface Hook {
  path: string;
  args?: Array<string>;
  env?: Array<string>;
  timeout?: number;
}

export interface Hooks {
  createRuntime?: Array<Hook>;
}

export interface Process {
  terminal?: boolean;
  user: {uid: number, gid: number, umask?: number, additionalGids?: Array<number>};
  args: Array<string>;
  env?: Array<string>;
  cwd: string;
  capabilities?: Capabilities;
  rlimits?: Array<{type: string, soft: number, hard: number}>;
  noNewPrivileges?: boolean;
}

export interface Capabilities {
  bounding?: Array<string>;
  effective?: Array<string>;
  inheritable?: Array<string>;
  permitted?: Array<string>;
  ambient?: Array<string>;
}

export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: Array<string>;
}

export interface LinuxIDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export type NamespaceType = `pid` | `network` | `mount` | `ipc` | `uts` | `user` | `cgroup`;

export interface Linux {
  namespaces?: Array<{type: NamespaceType, path?: string}>;
  uidMappings?: Array<LinuxIDMapping>;
  gidMappings?: Array<LinuxIDMapping>;
  /** Written under /proc/sys in the container's namespaces (`net.ipv4.ping_group_range` → `0 0`). */
  sysctl?: Record<string, string>;
  maskedPaths?: Array<string>;
  readonlyPaths?: Array<string>;
  rootfsPropagation?: string;
  seccomp?: LinuxSeccomp;
}

/** A seccomp filter in the spec's words (libseccomp's action and operator names). */
export interface LinuxSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  /** SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, …; the host's own is always filtered. */
  architectures?: Array<string>;
  syscalls?: Array<LinuxSyscallRule>;
}

export interface LinuxSyscallRule {
  names: Array<string>;
  action: string;
  errnoRet?: number;
  /** All must hold. */
  args?: Array<{index: number, value: number, valueTwo?: number, op: string}>;
}

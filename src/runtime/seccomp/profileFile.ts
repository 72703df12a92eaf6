// `--security-opt seccomp=PROFILE.json`: the profile format podman and Docker read
// (containers-common's seccomp.json is one), turned into the spec's LinuxSeccomp for one
// container: the rules whose `includes`/`excludes` (capabilities, the host's architecture)
// apply to it, and the architectures for this host.
import type {LinuxSeccomp, LinuxSyscallRule} from '../../oci/runtimeSpec';

interface FileRule {
  names?: Array<string>;
  name?: string;
  action: string;
  errnoRet?: number;
  args?: Array<{index: number, value: number, valueTwo?: number, op: string}> | null;
  includes?: {caps?: Array<string>, arches?: Array<string>};
  excludes?: {caps?: Array<string>, arches?: Array<string>};
}

export interface SeccompProfileFile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: Array<string>;
  archMap?: Array<{architecture: string, subArchitectures?: Array<string>}>;
  syscalls?: Array<FileRule>;
}

/** The profile's JSON checked for the fields a filter needs; a message naming what is wrong otherwise. */
export function parseSeccompProfile(text: string): SeccompProfileFile | string {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  if (typeof p !== `object` || p === null || Array.isArray(p)) return `not a JSON object`;
  const o = p as Record<string, unknown>;
  if (typeof o.defaultAction !== `string`) return `no "defaultAction"`;
  if (o.syscalls !== undefined && o.syscalls !== null && !Array.isArray(o.syscalls)) return `"syscalls" is not a list`;
  for (const [i, r] of ((o.syscalls ?? []) as Array<unknown>).entries()) {
    const rule = r as FileRule;
    if (typeof rule !== `object` || rule === null || typeof rule.action !== `string`) return `syscalls[${i}] has no "action"`;
    if (!Array.isArray(rule.names) && typeof rule.name !== `string`) return `syscalls[${i}] has no "names"`;
  }
  return o as unknown as SeccompProfileFile;
}

/** Go's names for this host's architecture, as profiles' `arches` use them. */
const GOARCH: Record<string, string> = {x64: `amd64`, arm64: `arm64`, ia32: `386`, arm: `arm`, s390x: `s390x`, ppc64: `ppc64le`};
const SCMP_ARCH: Record<string, string> = {x64: `SCMP_ARCH_X86_64`, arm64: `SCMP_ARCH_AARCH64`};

/** The filter for a container with these capabilities on this host. */
export function profileForContainer(file: SeccompProfileFile, capabilities: ReadonlyArray<string>, arch: string = process.arch): LinuxSeccomp {
  const caps = new Set(capabilities);
  const goarch = GOARCH[arch] ?? arch;
  const applies = (r: FileRule): boolean => {
    const inc = r.includes ?? {}, exc = r.excludes ?? {};
    if (inc.caps && inc.caps.length > 0 && !inc.caps.every(c => caps.has(c))) return false;
    if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(goarch)) return false;
    if (exc.caps && exc.caps.some(c => caps.has(c))) return false;
    if (exc.arches && exc.arches.includes(goarch)) return false;
    return true;
  };
  const syscalls: Array<LinuxSyscallRule> = (file.syscalls ?? []).filter(applies).map(r => ({
    names: r.names ?? [r.name!],
    action: r.action,
    ...(r.errnoRet !== undefined ? {errnoRet: r.errnoRet} : {}),
    ...(r.args && r.args.length > 0 ? {args: r.args} : {}),
  }));
  const native = SCMP_ARCH[arch];
  const mapped = file.archMap?.find(m => m.architecture === native);
  const architectures = mapped ? [mapped.architecture, ...mapped.subArchitectures ?? []] : file.architectures ?? [];
  return {
    defaultAction: file.defaultAction,
    ...(file.defaultErrnoRet !== undefined ? {defaultErrnoRet: file.defaultErrnoRet} : {}),
    ...(architectures.length > 0 ? {architectures} : {}),
    syscalls,
  };
}

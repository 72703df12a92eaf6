// Which seccomp filter a container gets: tspod's default, none (`seccomp=unconfined`,
// --privileged), or a profile file (`seccomp=PATH`), read when the container is created
// (as podman: later edits to the file do not change the container).
import {readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {TspodError} from '../errors';
import type {LinuxSeccomp} from '../../oci/runtimeSpec';
import {defaultSeccompProfile} from '../../runtime/seccomp/defaultProfile';
import {parseSeccompProfile, profileForContainer} from '../../runtime/seccomp/profileFile';
import type {SeccompProfileFile} from '../../runtime/seccomp/profileFile';
import {compileSeccomp, seccompSupported, SeccompError} from '../../runtime/seccomp/bpf';

export type SeccompChoice = {kind: `default`} | {kind: `unconfined`} | {kind: `file`, path: string, profile: SeccompProfileFile};

/** The last `seccomp=` of --security-opt; a profile file is read and checked now. */
export function seccompChoice(values: ReadonlyArray<string>): SeccompChoice {
  const last = values[values.length - 1];
  if (last === undefined) return {kind: `default`};
  if (last === `unconfined`) return {kind: `unconfined`};
  const path = resolve(last);
  let text: string;
  try {
    text = readFileSync(path, `utf8`);
  } catch (err) {
    throw new TspodError(`InvalidArgument`, `seccomp profile ${path}: ${(err as NodeJS.ErrnoException).code === `ENOENT` ? `no such file` : (err as Error).message}`, {hint: `give the path of a seccomp profile in podman's JSON format, or seccomp=unconfined`});
  }
  const profile = parseSeccompProfile(text);
  if (typeof profile === `string`) throw new TspodError(`InvalidArgument`, `seccomp profile ${path}: ${profile}`, {hint: `a profile is podman's (or Docker's) seccomp JSON: {"defaultAction": …, "syscalls": [{"names": […], "action": …}]}`});
  if (!seccompSupported()) throw new TspodError(`Unsupported`, `seccomp profiles are not supported on ${process.arch}`, {hint: `use seccomp=unconfined`});
  // A profile no filter can be built from (an unknown action or operator) fails now, not at start.
  try {
    compileSeccomp(profileForContainer(profile, []));
  } catch (err) {
    if (err instanceof SeccompError) throw new TspodError(`InvalidArgument`, `seccomp profile ${path}: ${err.message}`, {hint: `tspod takes the actions ALLOW, ERRNO, KILL, KILL_PROCESS, TRAP, TRACE and LOG and the operators EQ, NE, LT, LE, GT, GE and MASKED_EQ`});
    throw err;
  }
  return {kind: `file`, path, profile};
}

/** linux.seccomp of the spec for a container with this bounding set; none when privileged or unconfined. */
export function specSeccomp(choice: SeccompChoice, capabilities: ReadonlyArray<string>, privileged: boolean): LinuxSeccomp | undefined {
  if (privileged || choice.kind === `unconfined`) return undefined;
  if (choice.kind === `default`) return seccompSupported() ? defaultSeccompProfile(capabilities) : undefined;
  return profileForContainer(choice.profile, capabilities);
}

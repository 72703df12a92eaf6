// Capability names ↔ numbers (linux/capability.h) and podman's default set.

export const CAPABILITIES: ReadonlyArray<string> = [
  `CHOWN`, `DAC_OVERRIDE`, `DAC_READ_SEARCH`, `FOWNER`, `FSETID`, `KILL`, `SETGID`, `SETUID`,
  `SETPCAP`, `LINUX_IMMUTABLE`, `NET_BIND_SERVICE`, `NET_BROADCAST`, `NET_ADMIN`, `NET_RAW`,
  `IPC_LOCK`, `IPC_OWNER`, `SYS_MODULE`, `SYS_RAWIO`, `SYS_CHROOT`, `SYS_PTRACE`, `SYS_PACCT`,
  `SYS_ADMIN`, `SYS_BOOT`, `SYS_NICE`, `SYS_RESOURCE`, `SYS_TIME`, `SYS_TTY_CONFIG`, `MKNOD`,
  `LEASE`, `AUDIT_WRITE`, `AUDIT_CONTROL`, `SETFCAP`, `MAC_OVERRIDE`, `MAC_ADMIN`, `SYSLOG`,
  `WAKE_ALARM`, `BLOCK_SUSPEND`, `AUDIT_READ`, `PERFMON`, `BPF`, `CHECKPOINT_RESTORE`,
].map(n => `CAP_${n}`);

/** podman's default (containers.conf default_capabilities). */
export const DEFAULT_CAPABILITIES: ReadonlyArray<string> = [
  `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, `KILL`, `NET_BIND_SERVICE`, `SETFCAP`,
  `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`,
].map(n => `CAP_${n}`);

/** `CAP_CHOWN`, `chown` or `ALL` → numbers. Unknown names throw. */
export function capabilityNumber(name: string): number {
  const upper = name.toUpperCase();
  const full = upper.startsWith(`CAP_`) ? upper : `CAP_${upper}`;
  const n = CAPABILITIES.indexOf(full);
  if (n < 0) throw new Error(`unknown capability \`${name}\``);
  return n;
}

export function capabilityName(n: number): string {
  return CAPABILITIES[n] ?? `CAP_${n}`;
}

/** A set of names as the 64-bit mask the helper wants (hex, no 0x). */
export function capabilityMask(names: ReadonlyArray<string> | undefined): string {
  let mask = 0n;
  for (const name of names ?? []) mask |= 1n << BigInt(capabilityNumber(name));
  return mask.toString(16);
}

/** podman's --cap-add/--cap-drop on top of the defaults (`all` allowed on both). */
export function resolveCapabilities(opts: {add?: ReadonlyArray<string>, drop?: ReadonlyArray<string>} = {}): Array<string> {
  const norm = (n: string) => n.toUpperCase().startsWith(`CAP_`) ? n.toUpperCase() : `CAP_${n.toUpperCase()}`;
  const add = (opts.add ?? []).map(n => n.toLowerCase() === `all` ? `ALL` : norm(n));
  const drop = (opts.drop ?? []).map(n => n.toLowerCase() === `all` ? `ALL` : norm(n));
  let set = new Set(drop.includes(`ALL`) ? [] : DEFAULT_CAPABILITIES);
  if (add.includes(`ALL`)) set = new Set(CAPABILITIES);
  for (const n of add) if (n !== `ALL`) { capabilityNumber(n); set.add(n); }
  for (const n of drop) if (n !== `ALL`) set.delete(n);
  return CAPABILITIES.filter(n => set.has(n));
}

// The saved spec (the engine's IR) → the config.json runc or crun gets. Pure.
//
// The OCI runtime runs as root inside a user namespace that `tspod-helper userns` made
// with the spec's id maps (podman's way: a runtime that is not "rootless" sets
// supplementary groups and binds devices). So the config.json differs from the IR:
// - no user namespace and no id maps: the container lives in that namespace;
// - the root filesystem (an overlay with userxattr, which only the namespace's root may
//   mount) is the first mount, on `/`, so the runtime mounts it in the container's own
//   mount namespace; a vfs (bind) root is simply `root.path`;
// - sysfs without a network namespace is the host's, bound read-only; no mqueue without
//   an ipc namespace; no cgroup filesystem (no delegation: it comes with /sys); no
//   linux.resources (limits are the cgroup keeper hook's, as with tspod-helper);
// - the keeper's hooks (network backends, cgroup; `@PID@` = the container's pid) are not
//   OCI hooks: they must run outside the namespace, as tspod-helper's do. One
//   createRuntime hook writes the container's pid to a fifo and waits for tspod's answer
//   on another; tspod starts the keeper hooks in between (runtime/keeperHooks.ts).
import type {Hook, Mount, RuntimeSpec} from '../oci/runtimeSpec';
import {TspodError} from '../engine/errors';
import {NETWORK_HOOKS_ANNOTATION} from './specToPlan';

export interface OciSpecOptions {
  /** How the root filesystem is mounted (overlay, or a bind for vfs); absent: root.path as is. */
  rootfsMount?: {type: string, source: string, options?: Array<string>} | undefined;
  /** Fifos of the pid hand-over: the hook writes the pid to `notify`, then reads `0` (go on) from `go`. */
  sync?: {notify: string, go: string} | undefined;
}

/**
 * The createRuntime hook: runc/crun give it the state JSON on stdin (`"pid":N` is the
 * container's host pid; Go and yajl write no space after the colon). It fails unless
 * tspod answers `0`; a tspod killed meanwhile closes the fifo (EOF), and the timeout
 * covers a tspod that never opened it.
 */
export const SYNC_HOOK_SCRIPT = [
  `s=$(cat)`,
  `p=\${s#*'"pid":'}`,
  `p=\${p%%[!0-9]*}`,
  `[ -n "$p" ] || { echo 'tspod: no pid in the runtime state' >&2; exit 1; }`,
  `printf '%s\\n' "$p" > "$1" || exit 1`,
  `read -r go < "$2"`,
  `[ "$go" = 0 ]`,
].join(`; `);

export const SYNC_HOOK_TIMEOUT_S = 60;

export function syncHook(sync: {notify: string, go: string}): Hook {
  return {path: `/bin/sh`, args: [`sh`, `-c`, SYNC_HOOK_SCRIPT, `tspod-sync`, sync.notify, sync.go], env: [`PATH=/usr/bin:/bin`], timeout: SYNC_HOOK_TIMEOUT_S};
}

/** The keeper hooks of a spec (network backends, cgroup): argv lists, `@PID@` = the container's pid. */
export function keeperHooks(spec: RuntimeSpec): Array<Array<string>> {
  const text = spec.annotations?.[NETWORK_HOOKS_ANNOTATION];
  return text ? JSON.parse(text) as Array<Array<string>> : [];
}

function isSingleMap(spec: RuntimeSpec): boolean {
  const g = spec.linux?.gidMappings ?? [];
  return g.length === 1 && g[0]!.size === 1;
}

export function ociSpec(spec: RuntimeSpec, opts: OciSpecOptions = {}): RuntimeSpec {
  const all = spec.linux?.namespaces ?? [];
  const joined = all.find(n => n.path !== undefined && n.path !== ``);
  if (joined)
    throw new TspodError(`Unsupported`, `an OCI runtime cannot join the ${joined.type} namespace of another container (--network container:NAME)`, {hint: `drop --runtime to use the built-in runtime`});
  // No cgroup namespace: the keeper hook moves the process into its cgroup after the
  // runtime made it, and one the runtime made would be rooted in the cgroup before.
  const namespaces = all.filter(n => n.type !== `user` && n.type !== `cgroup`);
  const ns = new Set(namespaces.map(n => n.type));
  const single = isSingleMap(spec);
  const mounts: Array<Mount> = [];
  let root = {...spec.root};
  const rm = opts.rootfsMount;
  if (rm?.type === `fuse`) throw new TspodError(`Unsupported`, `an OCI runtime cannot mount a fuse-overlayfs root`, {hint: `drop --runtime to use the built-in runtime`});
  if (rm?.type === `bind`) root = {...root, path: rm.source};
  else if (rm) mounts.push({destination: `/`, type: rm.type, source: rm.source, options: rm.options ?? []});
  for (const m of spec.mounts ?? []) {
    if (m.type === `sysfs` && !ns.has(`network`)) {
      const keep = (m.options ?? []).filter(o => o === `nosuid` || o === `nodev` || o === `noexec`);
      mounts.push({destination: m.destination, type: `bind`, source: `/sys`, options: [`rbind`, ...keep, `ro`]});
      continue;
    }
    if (m.type === `mqueue` && !ns.has(`ipc`)) continue;
    if (m.type === `cgroup` || m.type === `cgroup2`) continue;
    if (m.type === `devpts` && single) {
      mounts.push({...m, options: (m.options ?? []).filter(o => !o.startsWith(`gid=`))});
      continue;
    }
    mounts.push(m);
  }
  const linux = {...spec.linux, namespaces};
  delete linux.uidMappings;
  delete linux.gidMappings;
  // Limits are the cgroup keeper hook's (as with tspod-helper): the runtime's own cgroup
  // manager, rootless here, must not try to apply them a second way.
  delete (linux as {resources?: unknown}).resources;
  return {
    ...spec,
    root,
    mounts,
    linux,
    ...(opts.sync ? {hooks: {createRuntime: [syncHook(opts.sync)]}} : {}),
  };
}

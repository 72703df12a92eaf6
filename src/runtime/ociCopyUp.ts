// Volume copy-up for a container an OCI runtime starts. runc and crun know nothing of it
// (podman does it itself before it calls them), so tspod-helper does it first, in its
// `copy-up` mode run as root in a user namespace with the container's maps: the same
// `copy-up` directives the built-in runtime applies before its mounts (helpers/copyup.c).
import {childProcess} from '../util/lazyBuiltins';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {TspodError} from '../engine/errors';
import type {RuntimeSpec} from '../oci/runtimeSpec';
import {encodePlan} from './plan';
import type {Plan} from './plan';
import {copyUpDestinations, mountFlags} from './specToPlan';

/** The copy-up plan of a spec, or undefined when it has no volume to fill. */
export function copyUpPlan(spec: RuntimeSpec, rootfsMount: {type: string, source: string, options?: Array<string>} | undefined): Plan | undefined {
  const dests = new Set(copyUpDestinations(spec));
  const copies: Plan = (spec.mounts ?? [])
    .filter(m => dests.has(m.destination) && m.source !== undefined)
    .map(m => ({kind: `copy-up`, source: m.source!, dest: m.destination}));
  if (copies.length === 0) return undefined;
  // A bind root (vfs) is read where it is, as ociSpec gives it to the runtime.
  if (rootfsMount?.type === `bind`) return [{kind: `rootfs`, path: rootfsMount.source}, ...copies];
  const plan: Plan = [{kind: `rootfs`, path: spec.root.path}];
  if (rootfsMount) {
    const {flags, data} = mountFlags(rootfsMount.options);
    plan.push({kind: `rootfs-mount`, type: rootfsMount.type, source: rootfsMount.source, flags, data});
  }
  return [...plan, ...copies];
}

/** Runs the copy-up plan (written in `dir`) through `tspod-helper userns -- tspod-helper copy-up`. */
export async function ociCopyUp(plan: Plan, o: {helperPath: string, dir: string, env: Record<string, string>}): Promise<void> {
  const file = join(o.dir, `copyup.plan`);
  writeFileSync(file, encodePlan(plan), {mode: 0o600});
  const child = childProcess().spawn(o.helperPath, [`userns`, `--`, o.helperPath, `copy-up`, file], {stdio: [`ignore`, `ignore`, `pipe`], env: o.env});
  let stderr = ``;
  child.stderr!.on(`data`, (d: Buffer) => { if (stderr.length < 65536) stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on(`error`, err => reject(new TspodError(`Host`, `spawn \`${o.helperPath}\`: ${(err as NodeJS.ErrnoException).code}`, {hint: `build the helper: make -C helpers`})));
    child.on(`close`, c => resolve(c));
  });
  if (code === 0) return;
  const line = stderr.split(`\n`).reverse().find(l => l.startsWith(`tspod-helper: `) && !l.startsWith(`tspod-helper: warning:`));
  throw new TspodError(`Internal`, line ? line.slice(`tspod-helper: `.length) : `volume copy-up failed with status ${code}`, {hint: `check the volume's directory, or mount it with nocopy`});
}

// `update`: changes the limits of a container. A running one gets the new values in
// its cgroup at once; every container gets them in its spec (config.json: the cgroup
// hook's files and linux.resources), so the next start applies them too.
import {readFileSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {mustLookup, nameOf, openContainers, refresh} from '../lifecycle/containers';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {planLimits} from '../../cgroups/limits';
import type {CgroupFile, LimitFlags} from '../../cgroups/limits';
import {writeFiles} from '../../cgroups/stats';
import {hookControllersIndex} from '../../cgroups/hook';
import {writeFileAtomic} from '../../util/atomicWrite';
import {HOOKS_ANNOTATION} from '../run/network';
import {CGROUP_ANNOTATION} from '../run/cgroup';
import {cgroupOf} from './pause';

export interface UpdateOptions {
  container: string;
  limits: LimitFlags;
}

/** Merges new files over old ones (same file replaced; io.max/io.weight lines per device). */
function merge(old: Array<CgroupFile>, next: Array<CgroupFile>): Array<CgroupFile> {
  const key = (f: CgroupFile) => f.file.startsWith(`io.`) ? `${f.file} ${f.value.split(` `)[0]}` : f.file;
  const keys = new Set(next.map(key));
  return [...old.filter(f => !keys.has(key(f))), ...next];
}

export async function updateContainer(ctx: EngineContext, o: UpdateOptions): Promise<{id: string}> {
  if (Object.keys(o.limits).length === 0) throw new TspodError(`InvalidArgument`, `no limits to update`, {hint: `give at least one of --memory, --cpus, --pids-limit, …`});
  const plan = planLimits(o.limits, {cpuCount: availableParallelism(), statDevice: () => {
    throw new TspodError(`Unsupported`, `device limits cannot be changed by update yet`, {hint: `recreate the container with the device flags`});
  }});
  if (plan.oomScoreAdj !== undefined) throw new TspodError(`Unsupported`, `--oom-score-adj cannot be changed by update`, {hint: `recreate the container`});
  const cs = openContainers(ctx);
  try {
    const c = await refresh(ctx, cs!, await mustLookup(cs, o.container));
    const specPath = join(cs!.userdataDir(c.id), `config.json`);
    const spec = JSON.parse(readFileSync(specPath, `utf8`));
    const ann: Record<string, string> = spec.annotations ?? {};
    const info = ann[CGROUP_ANNOTATION] ? JSON.parse(ann[CGROUP_ANNOTATION]) as {manager: string, files: Array<CgroupFile>} : undefined;
    if (!info || info.manager === `none`)
      throw new TspodError(`Unsupported`, `container ${nameOf(c)} has no cgroup of its own, so its limits cannot be changed`,
        {hint: `limits need cgroup v2 delegated to your user (a systemd user session); recreate the container there`});
    if (isRunning(c.metadata as LifeMeta)) {
      const dir = cgroupOf(ctx, cs!, c);
      if (!dir) throw new TspodError(`Internal`, `cannot find the cgroup of running container ${nameOf(c)}`);
      const have = readFileSync(join(dir, `cgroup.controllers`), `utf8`).trim().split(` `);
      const missing = plan.controllers.filter(x => !have.includes(x));
      if (missing.length > 0) throw new TspodError(`Unsupported`, `cannot update ${plan.cgroupFlags.join(`, `)}: the ${missing.join(`, `)} controller is not enabled in the container's cgroup`, {hint: `recreate the container with the flag so its cgroup gets the controller`});
      writeFiles(dir, plan.files);
    }
    // Persist: the hook's FILE=VALUE arguments follow its fixed ones; the controllers list grows.
    const files = merge(info.files, plan.files);
    const hooks = JSON.parse(ann[HOOKS_ANNOTATION] ?? `[]`) as Array<Array<string>>;
    for (const h of hooks) {
      const i = hookControllersIndex(h);
      if (i < 0) continue;
      const ctl = new Set((h[i] ?? ``).split(` `).filter(Boolean));
      for (const x of plan.controllers) ctl.add(x);
      h.splice(i, h.length, [...ctl].join(` `), ...files.map(f => `${f.optional ? `?` : ``}${f.file}=${f.value}`));
    }
    ann[HOOKS_ANNOTATION] = JSON.stringify(hooks);
    ann[CGROUP_ANNOTATION] = JSON.stringify({...info, files});
    spec.annotations = ann;
    spec.linux = {...spec.linux, resources: {...spec.linux?.resources, ...plan.resources}};
    await writeFileAtomic(specPath, `${JSON.stringify(spec, null, 2)}\n`, {fsync: true});
    return {id: c.id};
  } finally {
    cs?.close();
  }
}

// The containers a verb acts on besides those named: the ids in --cidfile files (what
// `run --cidfile` wrote, as podman's generated systemd units use them), -l/--latest and --filter.
import {readFileSync} from 'node:fs';
import type {Engine} from '../engine/Engine';
import {TspodError} from '../engine/errors';

export interface TargetFlags {
  containers: Array<string>;
  cidfiles?: Array<string>;
  latest?: boolean;
  /** --ignore: a missing cidfile is no error either. */
  ignore?: boolean;
  /** --filter: every container ps --filter would list (all states). */
  filters?: Array<string>;
}

export async function containerTargets(engine: Engine, f: TargetFlags): Promise<Array<string>> {
  const out = [...f.containers];
  for (const file of f.cidfiles ?? []) {
    let id: string;
    try {
      id = readFileSync(file, `utf8`).trim();
    } catch (err) {
      if (f.ignore && (err as NodeJS.ErrnoException).code === `ENOENT`) continue;
      throw new TspodError(`NoSuchContainer`, `reading the container id file ${file}: ${(err as NodeJS.ErrnoException).code === `ENOENT` ? `no such file` : (err as Error).message}`, {hint: `give the file run --cidfile wrote, or add --ignore`});
    }
    if (id !== ``) out.push(id);
  }
  if (f.latest) out.push(await latestContainer(engine));
  if (f.filters && f.filters.length > 0) out.push(...(await engine.listContainers({all: true, filters: f.filters})).map(c => c.Id));
  return out;
}

/** -l: the container created last. */
export async function latestContainer(engine: Engine): Promise<string> {
  const [l] = await engine.listContainers({all: true, last: 1});
  if (!l) throw new TspodError(`NoSuchContainer`, `no containers to act on (--latest)`, {hint: `create or run a container first`});
  return l.Id;
}

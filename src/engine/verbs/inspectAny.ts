// Top-level `inspect`: podman looks a name up as a container, then an image, then a
// volume, then a pod (`--type` narrows it), and prints every object found in one JSON array.
import type {EngineContext} from '../Engine';
import {TspodError, isTspodError} from '../errors';
import {inspectContainers} from './inspect';
import {inspectImages} from './images';
import {inspectVolumes} from './volume';
import {inspectPodView, mustPod} from './pod';

export type InspectType = `all` | `container` | `image` | `volume` | `pod`;

export const INSPECT_TYPES: ReadonlyArray<InspectType> = [`all`, `container`, `image`, `volume`, `pod`];

async function asContainer(ctx: EngineContext, name: string, size?: boolean): Promise<unknown> {
  const r = await inspectContainers(ctx, {containers: [name], size: Boolean(size)});
  if (r.found.length > 0) return r.found[0];
  const err = r.errors[0];
  if (isTspodError(err, `NoSuchContainer`)) return undefined;
  throw err;
}

async function asImage(ctx: EngineContext, name: string): Promise<unknown> {
  const r = await inspectImages(ctx, {images: [name]});
  return r.images[0];
}

async function asVolume(ctx: EngineContext, name: string): Promise<unknown> {
  try {
    return (await inspectVolumes(ctx, {names: [name]}))[0];
  } catch (err) {
    if (isTspodError(err, `NoSuchVolume`)) return undefined;
    throw err;
  }
}

async function asPod(ctx: EngineContext, name: string): Promise<unknown> {
  try {
    return inspectPodView(await mustPod(ctx, name));
  } catch (err) {
    if (isTspodError(err, `NoSuchPod`)) return undefined;
    throw err;
  }
}

const LOOKUPS: Record<Exclude<InspectType, `all`>, (ctx: EngineContext, name: string, size?: boolean) => Promise<unknown>> = {container: asContainer, image: asImage, volume: asVolume, pod: asPod};

/** podman's words for a name not found, each after its "inspecting object: ". */
function notFound(type: InspectType, name: string): TspodError {
  const what = (code: `NoSuchContainer` | `NoSuchImage` | `NoSuchVolume` | `NoSuchPod` | `NoSuchObject`, text: string, hint?: string) =>
    new TspodError(code, `inspecting object: ${text}`, hint === undefined ? {} : {hint});
  switch (type) {
    case `container`: return what(`NoSuchContainer`, `no such container ${name}`);
    case `image`: return what(`NoSuchImage`, `${name}: image not known`);
    case `volume`: return what(`NoSuchVolume`, `no such volume ${name}`);
    case `pod`: return what(`NoSuchPod`, `no such pod ${name}`);
    default: return what(`NoSuchObject`, `no such object: "${name}"`, `\`tspod ps -a\`, \`tspod images\`, \`tspod volume ls\` and \`tspod pod ps\` list what exists`);
  }
}

export async function inspectAny(ctx: EngineContext, o: {names: Array<string>, type: InspectType, size?: boolean}): Promise<{found: Array<Record<string, unknown>>, errors: Array<unknown>}> {
  const order = o.type === `all` ? ([`container`, `image`, `volume`, `pod`] as const) : [o.type];
  const found: Array<Record<string, unknown>> = [], errors: Array<unknown> = [];
  for (const name of o.names) {
    let hit: unknown;
    try {
      for (const t of order) if ((hit = await LOOKUPS[t](ctx, name, o.size)) !== undefined) break;
    } catch (err) {
      errors.push(err);
      continue;
    }
    if (hit === undefined) errors.push(notFound(o.type, name));
    else found.push(hit as Record<string, unknown>);
  }
  return {found, errors};
}

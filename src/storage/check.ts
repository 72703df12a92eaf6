// Store consistency check (podman `system check`): finds incomplete layers,
// layer records without files, layer directories without records, layers whose
// parent is missing, images whose layers or manifest/config blobs are missing,
// containers whose layer is missing, writable layers no container owns (a removal
// killed half-way), stale blob temp files and, unless quick, image blobs whose bytes
// no longer hash to their digest. With repair, each is removed (records first, then
// the files they owned).
import type {Store} from './Store';
import type {Digest} from '../oci/digest';
import {pidAlive} from './BlobStore';
import {rm} from '../util/fsp';

export type CheckProblemKind =
  | `incomplete-layer` | `layer-missing-files` | `orphan-layer-dir` | `layer-missing-parent`
  | `image-missing-layer` | `image-missing-blob` | `image-corrupt-blob` | `container-missing-layer`
  | `orphan-container-layer` | `stale-temp`;

export interface CheckProblem {
  kind: CheckProblemKind;
  id: string;
  detail: string;
  repaired?: boolean;
}

export interface CheckReport {
  problems: Array<CheckProblem>;
  repaired: boolean;
}

export async function checkStore(store: Store, opts: {repair: boolean, quick?: boolean}): Promise<CheckReport> {
  const problems: Array<CheckProblem> = [];
  const layers = await store.layers.list();
  const ids = new Set(layers.map(l => l.id));
  const badLayers = new Set<string>();

  for (const l of layers) {
    if (l.flags?.incomplete && !pidAlive(l.flags.owner ?? 0)) {
      problems.push({kind: `incomplete-layer`, id: l.id, detail: `layer ${l.id} was left incomplete by process ${l.flags.owner ?? `?`}`});
      badLayers.add(l.id);
    } else if (!l.flags?.incomplete && !(await store.driver.exists(l.id))) {
      problems.push({kind: `layer-missing-files`, id: l.id, detail: `layer ${l.id} has no directory \`${store.driver.diffDir(l.id)}\``});
      badLayers.add(l.id);
    } else if (l.parent !== undefined && !ids.has(l.parent)) {
      problems.push({kind: `layer-missing-parent`, id: l.id, detail: `layer ${l.id} has a missing parent ${l.parent}`});
      badLayers.add(l.id);
    }
  }
  // Children of bad layers are bad too.
  for (let grew = true; grew;) {
    grew = false;
    for (const l of layers)
      if (!badLayers.has(l.id) && l.parent !== undefined && badLayers.has(l.parent)) {
        badLayers.add(l.id);
        problems.push({kind: `layer-missing-parent`, id: l.id, detail: `layer ${l.id} sits on damaged layer ${l.parent}`});
        grew = true;
      }
  }
  for (const dir of await store.driver.listLayers())
    if (!ids.has(dir)) problems.push({kind: `orphan-layer-dir`, id: dir, detail: `layer directory ${dir} has no layer record`});

  const badImages = new Set<string>();
  const corruptBlobs = new Set<Digest>();
  for (const img of await store.images.list()) {
    const missingLayer = img.layers.find(l => !ids.has(l) || badLayers.has(l));
    if (missingLayer) {
      problems.push({kind: `image-missing-layer`, id: img.id, detail: `image ${img.id.slice(0, 12)} (${img.names[0] ?? `<none>`}) needs missing or damaged layer ${missingLayer}`});
      badImages.add(img.id);
      continue;
    }
    for (const d of [img.manifestDigest, img.configDigest]) {
      const name = `image ${img.id.slice(0, 12)} (${img.names[0] ?? `<none>`})`;
      if (!(await store.blobs.has(d))) {
        problems.push({kind: `image-missing-blob`, id: img.id, detail: `${name} is missing blob ${d}`});
        badImages.add(img.id);
        break;
      }
      if (!opts.quick && !(await store.blobs.verify(d))) {
        problems.push({kind: `image-corrupt-blob`, id: img.id, detail: `${name}: blob ${d} does not match its digest`});
        badImages.add(img.id);
        corruptBlobs.add(d);
        break;
      }
    }
  }
  const badContainers = new Set<string>();
  for (const c of await store.containers.list()) {
    if (!ids.has(c.layer) || badLayers.has(c.layer)) {
      problems.push({kind: `container-missing-layer`, id: c.id, detail: `container ${c.id.slice(0, 12)} has a missing or damaged layer ${c.layer}`});
      badContainers.add(c.id);
    }
  }
  const containers = await store.containers.list();
  const owned = new Set(containers.map(c => c.layer));
  const parents = new Set(layers.map(l => l.parent));
  const orphans = layers.filter(l => l.readWrite && !l.flags?.incomplete && !badLayers.has(l.id) && !owned.has(l.id) && !parents.has(l.id));
  for (const l of orphans) problems.push({kind: `orphan-container-layer`, id: l.id, detail: `writable layer ${l.id} belongs to no container`});
  const temps = await store.blobs.staleTemps();
  for (const t of temps) problems.push({kind: `stale-temp`, id: t, detail: `stale temp file \`${t}\``});

  if (opts.repair && problems.length > 0) {
    for (const id of badContainers) await store.containers.delete(id);
    await store.images.mutate(records => {
      for (let i = records.length - 1; i >= 0; i--) if (badImages.has(records[i]!.id)) records.splice(i, 1);
    });
    for (const l of orphans) badLayers.add(l.id);
    const doomed = new Set([...badLayers, ...(await store.driver.listLayers()).filter(d => !ids.has(d))]);
    await store.layers.mutate(async records => {
      for (let i = records.length - 1; i >= 0; i--) if (badLayers.has(records[i]!.id)) records.splice(i, 1);
    });
    for (const id of doomed) {
      const ops = await store.driver.removeLayer(id);
      if (ops.length > 0) await store.worker().runAll(ops);
    }
    for (const t of temps) await rm(t, {force: true});
    // A later pull trusts a blob it finds by digest: a corrupt one must go.
    for (const d of corruptBlobs) await store.blobs.delete(d);
    for (const p of problems) p.repaired = true;
  }
  return {problems, repaired: opts.repair && problems.length > 0};
}

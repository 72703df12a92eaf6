// The image of a pod's infra container, made locally on first use as podman makes its
// `localhost/podman-pause` image (so no pull is ever needed): one layer holding only the
// directories a container root needs, and an entrypoint that is tspod's own helper in its
// `pause` mode, bind-mounted at /run/tspod-init when the container runs (as `--init` binds
// it). The helper is static, so an otherwise empty root runs it, and binding it rather than
// copying it into the layer means the infra always runs the helper of the installed tspod.
import {join} from 'node:path';
import tar from 'tar-stream';
import type {EngineContext} from '../Engine';
import {VERSION} from '../../version';
import {rm, writeFile} from '../../util/fsp';
import {findImage} from '../run/prepare';
import {INIT_PATH} from '../run/spec';
import type {ImageConfig} from '../../oci/image';
import {applyLayerBlobs, historyEntry, hostArch, storeLayerFile, writeImage} from '../verbs/imageWrite';
import {withStore} from '../verbs/store';
import {isoTime} from '../../util/isoTime';
import {makeWorkDir} from '../../storage/workDirs';

export const INFRA_IMAGE = `localhost/tspod-pause:${VERSION}`;

/** A fixed time: the same tspod makes the same image (same id), whoever makes it first. */
const EPOCH = new Date(0);

async function skeletonTar(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Array<Buffer> = [];
  pack.on(`data`, (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((resolve, reject) => { pack.on(`end`, resolve); pack.on(`error`, reject); });
  for (const d of [`dev`, `etc`, `proc`, `run`, `sys`, `tmp`])
    pack.entry({name: `${d}/`, type: `directory`, mode: d === `tmp` ? 0o1777 : 0o755, mtime: EPOCH});
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Makes the infra image unless it is here already; returns its name. */
export async function ensureInfraImage(ctx: EngineContext): Promise<string> {
  return withStore(ctx, async store => {
    if (await findImage(store.store, INFRA_IMAGE)) return INFRA_IMAGE;
    const tmp = await makeWorkDir(ctx.paths.graphRoot, `pause`);
    try {
      const path = join(tmp, `layer.tar`);
      await writeFile(path, await skeletonTar());
      const blob = await storeLayerFile(store, path);
      const layerIds = await applyLayerBlobs(store, [], undefined, [blob]);
      const config: ImageConfig = {
        created: isoTime(EPOCH.getTime()), architecture: hostArch(), os: `linux`,
        config: {Entrypoint: [INIT_PATH, `pause`], Env: [`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`], Labels: {'io.tspod.infra': `true`}},
        rootfs: {type: `layers`, diff_ids: [blob.diffID]},
        history: [{...historyEntry(`tspod pod infra image (tspod-helper pause, bound at ${INIT_PATH})`, {comment: `made by tspod`}), created: isoTime(EPOCH.getTime())}],
      };
      await writeImage(store, {config, layerIds, layers: [blob], names: [INFRA_IMAGE]});
      return INFRA_IMAGE;
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
  });
}

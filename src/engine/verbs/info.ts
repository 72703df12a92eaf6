// `tspod info`: everything tspod learned about the host, with the exact fix for
// each missing piece, and the rest of podman's report for scripts that read it.
import type {EngineContext} from '../Engine';
import {probeHost} from '../hostProbe';
import {podmanInfoDetails} from './infoDetails';
import {probeDrivers} from '../../storage/drivers';
import {helperPath} from './store';

async function chosenDriver(ctx: EngineContext): Promise<string> {
  const helper = helperPath(ctx);
  return (await probeDrivers(ctx.paths.graphRoot, helper ? {helperPath: helper} : {}, {cacheFile: ctx.paths.driverProbeCache})).best;
}

export async function info(ctx: EngineContext) {
  const report = await probeHost(ctx);
  const more = podmanInfoDetails(ctx, report);
  // The driver the store uses: the one --storage-driver names, else the probe's choice.
  const graphDriverName = ctx.storageDriver ?? await chosenDriver(ctx).catch(() => report.store.graphDriverName);
  return {
    ...report,
    host: {...report.host, ...more.host},
    store: {...report.store, ...more.store, graphDriverName},
    registries: more.registries,
    plugins: more.plugins,
    version: {...report.version, ...more.version},
  };
}

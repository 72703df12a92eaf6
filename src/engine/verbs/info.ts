// `tspod info`: everything tspod learned about the host, with the exact fix for
// each missing piece, and the rest of podman's report for scripts that read it.
import type {EngineContext} from '../Engine';
import {probeHost} from '../hostProbe';
import {podmanInfoDetails} from './infoDetails';

export async function info(ctx: EngineContext) {
  const report = await probeHost(ctx);
  const more = podmanInfoDetails(ctx, report);
  return {
    ...report,
    host: {...report.host, ...more.host},
    store: {...report.store, ...more.store},
    registries: more.registries,
    plugins: more.plugins,
    version: {...report.version, ...more.version},
  };
}

// `tspod info`: everything tspod learned about the host, with the exact fix for
// each missing piece.
import type {EngineContext} from '../Engine';
import {probeHost} from '../hostProbe';

export async function info(ctx: EngineContext) {
  return probeHost(ctx);
}

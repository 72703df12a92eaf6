// --sig-proxy (default true) of attach and start -a: a signal tspod gets goes to the
// container's process, as podman's does, instead of only ending tspod while the
// container runs on under its monitor.
import type {Engine} from '../engine/Engine';
import {forwardSignals, RELAYED_SIGNALS} from '../util/forwardSignals';

export function proxySignals(engine: Engine, container: string, enabled: boolean): () => void {
  if (!enabled) return () => undefined;
  return forwardSignals(RELAYED_SIGNALS, sig => {
    engine.killContainers({containers: [container], signal: sig}).catch(() => undefined);
  });
}

// A foreground child (the helper, runc) gets the signals tspod gets while it runs:
// handlers for each signal call `to`, and the returned function removes them again.
// Installing a handler also keeps Node from dying of the signal itself.

/** The signals tspod passes on to a foreground container or exec session. */
export const RELAYED_SIGNALS: ReadonlyArray<NodeJS.Signals> = [`SIGINT`, `SIGTERM`, `SIGHUP`, `SIGQUIT`, `SIGUSR1`, `SIGUSR2`];

export function forwardSignals(signals: ReadonlyArray<NodeJS.Signals>, to: (sig: NodeJS.Signals) => void): () => void {
  const handlers = signals.map(sig => [sig, () => to(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

/** Sends `sig` to `pid` if there is one yet; a process already gone is no error. */
export function killQuietly(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, sig);
  } catch {}
}

// The engine: one method per verb, plain options in, reports out. It holds the
// resolved configuration and loads each verb's module only when it is called, so
// `tspod version` does not pay for the registry client or the store.
import type {Paths, Env} from '../config/paths';
import {resolvePaths} from '../config/paths';
import type {Logger} from '../util/log';

export interface EngineOptions {
  env: Env;
  root?: string | undefined;
  runroot?: string | undefined;
  storageDriver?: string | undefined;
  runtime?: string | undefined;
  log: Logger;
  /** Directory of the tspod installation (where the helper binary is found). */
  installDir: string;
  /** True when stdout/stderr are a terminal (progress bars, prompts). */
  interactive: boolean;
}

export interface EngineContext {
  readonly paths: Paths;
  readonly env: Env;
  readonly log: Logger;
  readonly storageDriver: string | undefined;
  readonly runtime: string | undefined;
  readonly installDir: string;
  readonly interactive: boolean;
}

export class Engine {
  readonly ctx: EngineContext;

  constructor(opts: EngineOptions) {
    this.ctx = {
      paths: resolvePaths(opts.env, {root: opts.root, runroot: opts.runroot}),
      env: opts.env,
      log: opts.log,
      storageDriver: opts.storageDriver,
      runtime: opts.runtime,
      installDir: opts.installDir,
      interactive: opts.interactive,
    };
  }

  async info() {
    return (await import("./verbs/info")).info(this.ctx);
  }
}

// containers.conf(5): only what tspod honours, `[engine] runtime` (the default OCI
// runtime, as podman reads it). Podman's order: $CONTAINERS_CONF alone when set, else
// /etc/containers/containers.conf, then $XDG_CONFIG_HOME/containers/containers.conf;
// a later file's value wins. `--runtime` beats them all.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse as parseToml} from 'smol-toml';
import {TspodError} from '../engine/errors';
import type {Env, Paths} from './paths';

export function containersConfFiles(env: Env, paths: Pick<Paths, `userContainersConfig` | `systemContainersConfig`>): Array<string> {
  if (env.CONTAINERS_CONF) return [env.CONTAINERS_CONF];
  return [join(paths.systemContainersConfig, `containers.conf`), join(paths.userContainersConfig, `containers.conf`)];
}

/** `[engine] runtime` from the containers.conf files, or undefined. */
export function engineRuntime(env: Env, paths: Pick<Paths, `userContainersConfig` | `systemContainersConfig`>): string | undefined {
  let runtime: string | undefined;
  for (const file of containersConfFiles(env, paths)) {
    let text: string;
    try {
      text = readFileSync(file, `utf8`);
    } catch {
      continue;
    }
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (err) {
      throw new TspodError(`InvalidArgument`, `${file}: ${(err as Error).message.split(`\n`)[0]}`, {hint: `fix the TOML syntax of ${file}`});
    }
    const v = (doc.engine as Record<string, unknown> | undefined)?.runtime;
    if (v === undefined) continue;
    if (typeof v !== `string`) throw new TspodError(`InvalidArgument`, `${file}: [engine] runtime must be a string`, {hint: `write runtime = "runc"`});
    runtime = v;
  }
  return runtime;
}

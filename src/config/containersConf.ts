// containers.conf(5): only what tspod honours from `[engine]`: `runtime` (the default OCI
// runtime), `events_logger` and `events_logfile_max_size`, as podman reads them. Podman's
// order: $CONTAINERS_CONF alone when set, else /etc/containers/containers.conf, then
// $XDG_CONFIG_HOME/containers/containers.conf; a later file's value wins. Flags beat them all.
import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {parse as parseToml} from 'smol-toml';
import {TspodError} from '../engine/errors';
import type {Env, Paths} from './paths';

type ConfPaths = Pick<Paths, `userContainersConfig` | `systemContainersConfig`>;

export function containersConfFiles(env: Env, paths: ConfPaths): Array<string> {
  if (env.CONTAINERS_CONF) return [env.CONTAINERS_CONF];
  return [join(paths.systemContainersConfig, `containers.conf`), join(paths.userContainersConfig, `containers.conf`)];
}

/** Each file's `[engine]` table, in order (a later one wins); parsed once per version of the files. */
const engineTables = new Map<string, Array<{file: string, engine: Record<string, unknown>}>>();

/** The files as they are now (a changed or new file is read again). */
function versionKey(files: ReadonlyArray<string>): string {
  return files.map(f => {
    try {
      const st = statSync(f);
      return `${f}\0${st.mtimeMs}\0${st.size}\0${st.ino}`;
    } catch {
      return `${f}\0-`;
    }
  }).join(`\0\0`);
}

function engineTablesOf(env: Env, paths: ConfPaths): Array<{file: string, engine: Record<string, unknown>}> {
  const files = containersConfFiles(env, paths);
  const key = versionKey(files);
  const cached = engineTables.get(key);
  if (cached) return cached;
  const tables: Array<{file: string, engine: Record<string, unknown>}> = [];
  for (const file of files) {
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
    const engine = doc.engine;
    if (engine && typeof engine === `object`) tables.push({file, engine: engine as Record<string, unknown>});
  }
  engineTables.set(key, tables);
  return tables;
}

/** The last file's `[engine] KEY`, with the file it came from. */
function engineValue(env: Env, paths: ConfPaths, key: string): {file: string, value: unknown} | undefined {
  let found: {file: string, value: unknown} | undefined;
  for (const t of engineTablesOf(env, paths)) if (t.engine[key] !== undefined) found = {file: t.file, value: t.engine[key]};
  return found;
}

/** `[engine] runtime` from the containers.conf files, or undefined. */
export function engineRuntime(env: Env, paths: ConfPaths): string | undefined {
  const v = engineValue(env, paths, `runtime`);
  if (v === undefined) return undefined;
  if (typeof v.value !== `string`) throw new TspodError(`InvalidArgument`, `${v.file}: [engine] runtime must be a string`, {hint: `write runtime = "runc"`});
  return v.value;
}

/** `[engine] events_logger` (file, journald or none), or undefined. */
export function eventsLogger(env: Env, paths: ConfPaths): string | undefined {
  const v = engineValue(env, paths, `events_logger`);
  if (v === undefined) return undefined;
  if (typeof v.value !== `string`) throw new TspodError(`InvalidArgument`, `${v.file}: [engine] events_logger must be a string`, {hint: `write events_logger = "file"`});
  return v.value;
}

/** `[engine] events_logfile_max_size` in bytes (a number, or a size such as "1m"), or undefined. */
export function eventsLogfileMaxSize(env: Env, paths: ConfPaths): number | undefined {
  const v = engineValue(env, paths, `events_logfile_max_size`);
  if (v === undefined) return undefined;
  const bytes = typeof v.value === `number` ? v.value : typeof v.value === `string` ? parseSize(v.value) : undefined;
  if (bytes === undefined || !Number.isFinite(bytes) || bytes < 0)
    throw new TspodError(`InvalidArgument`, `${v.file}: [engine] events_logfile_max_size must be a size such as "1m" or a number of bytes`, {hint: `write events_logfile_max_size = "1m"`});
  return bytes;
}

/** "1m", "500k", "2g", "1048576" (podman's units are powers of 1024, with an optional b). */
function parseSize(s: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)b?\s*$/i.exec(s);
  if (!m) return undefined;
  const unit = {'': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3}[m[2]!.toLowerCase() as `` | `k` | `m` | `g`];
  return Math.floor(Number(m[1]) * unit);
}

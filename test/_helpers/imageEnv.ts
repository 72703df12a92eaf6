// Environment for tests that pull: a private XDG_CONFIG_HOME whose registries.conf
// marks the test registries insecure (plain http) and searches them for short names.
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export function registriesEnv(registries: Array<string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), `tspod-conf-`));
  mkdirSync(join(dir, `containers`), {recursive: true});
  writeFileSync(join(dir, `containers/registries.conf`), [
    `unqualified-search-registries = [${registries.map(r => JSON.stringify(r)).join(`, `)}]`,
    `short-name-mode = "permissive"`,
    ...registries.flatMap(r => [``, `[[registry]]`, `location = ${JSON.stringify(r)}`, `insecure = true`]),
    ``,
  ].join(`\n`));
  return {XDG_CONFIG_HOME: dir};
}

/**
 * The records of every `*-<kind>` index under a store root: `<kind>.json` and the
 * volatile one that keeps --rm containers and their layers (storage/JsonIndex.ts).
 */
function indexRecords<T>(root: string, kind: `layers` | `containers`): Array<T> {
  const out: Array<T> = [];
  let names: Array<string> = [];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  for (const n of names.filter(x => x.endsWith(`-${kind}`))) {
    for (const f of [`${kind}.json`, `volatile-${kind}.json`]) {
      try {
        out.push(...JSON.parse(readFileSync(join(root, n, f), `utf8`)));
      } catch {}
    }
  }
  return out;
}

export function layerRecords(root: string): Array<{id: string, flags?: unknown, diffSize?: number}> {
  return indexRecords(root, `layers`);
}

export function containerRecords(root: string): Array<{id: string, names: Array<string>, metadata?: Record<string, unknown>}> {
  return indexRecords(root, `containers`);
}

/** Digests of the blobs in the store. */
export function storedBlobs(root: string): Array<string> {
  try {
    return readdirSync(join(root, `blobs/sha256`)).filter(n => /^[0-9a-f]{64}$/.test(n)).map(n => `sha256:${n}`);
  } catch {
    return [];
  }
}

/** Known digests of the seeded images (the busybox layouts as published; alpine built reproducibly). */
export const IDS = {
  busyboxGlibc: `db287cb6be81219cd18c1d82b70908f5d33eb028568b456f78eedff2ff2930e4`,
  busyboxMusl: `cafb65f54bc46b59c4915955dc3c1e89e0a4ceab9f42a998e58a173f191d04ff`,
  alpine: `9cfcd3d5b2c6aa179e7f6c807bcb9c12d3cd263e81c430be3994a859f4f14307`,
};

export const MANIFESTS = {
  busyboxGlibc: `sha256:7a3ebe5bfd1a4a19797d20b0c0bb39d44393e9a03fd852c0865b0f540d868df0`,
  busyboxMusl: `sha256:29989570aeecad61a019f684218ea74d4b8c1c74f9e0abeb34ca926b81174ee1`,
  alpine: `sha256:f1a7fa83ec499f620a848cc2a5a0a0c9db0a260e69d54af5d87564a8538cc7f6`,
};

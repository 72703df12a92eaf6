// The per-container "init layer": /etc/hosts, /etc/resolv.conf, /etc/hostname and
// /run/.containerenv, generated in the container's userdata directory and bind-mounted
// over the rootfs. They never touch the writable layer, so a commit never holds them.
import {join} from 'node:path';
import {writeFileSync} from 'node:fs';
import type {PasswdEntry} from './users';
import {VERSION} from '../../version';

export interface InitLayerInput {
  id: string;
  name: string;
  hostname: string;
  image: string;
  imageId: string;
  /** --privileged: only then does /run/.containerenv name the engine, container and image. */
  privileged?: boolean;
  /** The host's /etc/resolv.conf text (undefined when absent). */
  hostResolvConf: string | undefined;
  /** An /etc/passwd to bind over the image's (keep-id adds the user), else undefined. */
  passwd?: string | undefined;
  group?: string | undefined;
  /** --no-hosts: no /etc/hosts over the image's. */
  noHosts?: boolean;
  /** /etc/hosts and /etc/resolv.conf made by the network rules (engine/run/network.ts); else the defaults below. */
  hosts?: string | undefined;
  resolvConf?: string | undefined;
}

export function hostsFile(hostname: string, name: string): string {
  const names = [...new Set([hostname, name])].join(` `);
  return [
    `127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4`,
    `::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6`,
    `127.0.0.1\t${names}`,
    ``,
  ].join(`\n`);
}

/** The host's resolv.conf without loopback name servers (unreachable from a new network namespace). */
export function resolvConf(host: string | undefined): string {
  const lines = (host ?? ``).split(`\n`).filter(l => {
    const m = /^\s*nameserver\s+(\S+)/.exec(l);
    return !m || !(/^127\./.test(m[1]!) || m[1] === `::1`);
  });
  const text = lines.join(`\n`).trim();
  return text === `` ? `` : `${text}\n`;
}

/** podman tells a container who it is only when it is --privileged: otherwise the file is empty. */
export function containerEnv(input: InitLayerInput): string {
  if (!input.privileged) return ``;
  return [`engine="tspod-${VERSION}"`, `name="${input.name}"`, `id="${input.id}"`, `image="${input.image}"`, `imageid="${input.imageId}"`, `rootless=1`, ``].join(`\n`);
}

/** passwd text with `entry` appended when its uid is not there yet. */
export function passwdWith(text: string | undefined, entry: PasswdEntry): string | undefined {
  const base = text ?? ``;
  if (base.split(`\n`).some(l => l.split(`:`)[2] === String(entry.uid))) return undefined;
  return `${base}${base === `` || base.endsWith(`\n`) ? `` : `\n`}${entry.name}:*:${entry.uid}:${entry.gid}::${entry.home}:${entry.shell}\n`;
}

/** Writes the files into `dir`; returns destination → host path for the spec's bind mounts. */
export async function writeInitLayer(dir: string, input: InitLayerInput): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    '/etc/hosts': input.hosts ?? hostsFile(input.hostname, input.name),
    '/etc/resolv.conf': input.resolvConf ?? resolvConf(input.hostResolvConf),
    '/etc/hostname': `${input.hostname}\n`,
    '/run/.containerenv': containerEnv(input),
  };
  if (input.noHosts) delete files[`/etc/hosts`];
  if (input.passwd !== undefined) files[`/etc/passwd`] = input.passwd;
  if (input.group !== undefined) files[`/etc/group`] = input.group;
  const out: Record<string, string> = {};
  for (const [dest, text] of Object.entries(files)) {
    const p = join(dir, dest.replace(/^\/(etc|run)\/\.?/, ``));
    // Written once, into the container's new userdata directory, before anything reads
    // them: no temp file and rename needed (`wx`: never over something already there).
    writeFileSync(p, text, {mode: 0o644, flag: `wx`});
    out[dest] = p;
  }
  return out;
}

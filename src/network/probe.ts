// Which rootless network backends this host has, whether /dev/net/tun is usable,
// and the default mode (pasta where passt is installed, as podman 5; else slirp4netns).
import {accessSync, constants, readFileSync} from 'node:fs';
import {networkInterfaces} from 'node:os';
import {delimiter, join} from 'node:path';
import {TspodError} from '../engine/errors';

export type BackendName = `pasta` | `slirp4netns`;

export interface NetworkProbe {
  pasta: string | null;
  slirp4netns: string | null;
  devNetTun: boolean;
  /** The mode `--network` defaults to; undefined when neither backend is installed. */
  default: BackendName | undefined;
}

const FALLBACK_PATH = `/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin`;

export function findProgram(bin: string, path: string | undefined): string | null {
  for (const dir of `${path ?? ``}${delimiter}${FALLBACK_PATH}`.split(delimiter)) {
    if (dir === ``) continue;
    const p = join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

export function tunUsable(dev = `/dev/net/tun`): boolean {
  try {
    accessSync(dev, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function probeNetwork(path: string | undefined): NetworkProbe {
  const pasta = findProgram(`pasta`, path);
  const slirp4netns = findProgram(`slirp4netns`, path);
  return {pasta, slirp4netns, devNetTun: tunUsable(), default: pasta ? `pasta` : slirp4netns ? `slirp4netns` : undefined};
}

const PACKAGE: Record<BackendName, string> = {pasta: `passt`, slirp4netns: `slirp4netns`};

/** The path of a backend's binary, or a one-line error with the fix. */
export function requireBackend(name: BackendName, probe: NetworkProbe): string {
  const bin = probe[name];
  if (!bin)
    throw new TspodError(`Host`, `--network ${name} needs the \`${name}\` program, which is not installed`, {hint: `install it (apt-get install ${PACKAGE[name]}), or use --network ${name === `pasta` ? `slirp4netns` : `pasta`} or --network none`});
  if (!probe.devNetTun)
    throw new TspodError(`Host`, `--network ${name} needs /dev/net/tun, which is missing or not accessible to your user`, {hint: `as root: mkdir -p /dev/net && mknod -m 666 /dev/net/tun c 10 200 (or chmod 666 /dev/net/tun), or use --network none`});
  return bin;
}

/** The host's default IPv4 route: its gateway and the interface's first address. */
export function hostDefaultRoute(routeTable?: string): {gateway: string, address: string | undefined} | undefined {
  let text = routeTable;
  if (text === undefined) {
    try {
      text = readFileSync(`/proc/net/route`, `utf8`);
    } catch {
      return undefined;
    }
  }
  for (const line of text.split(`\n`).slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 3 || f[1] !== `00000000`) continue;
    const g = Number.parseInt(f[2]!, 16);
    const gateway = [g & 255, (g >>> 8) & 255, (g >>> 16) & 255, (g >>> 24) & 255].join(`.`);
    const address = (networkInterfaces()[f[0]!] ?? []).find(a => a.family === `IPv4`)?.address;
    return {gateway, address};
  }
  return undefined;
}

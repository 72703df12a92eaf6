// The rest of podman's `info` for scripts that read it (`--format '{{.Store.ContainerStore.Number}}'`,
// `{{.Host.Security.Rootless}}`, `{{.Host.LogDriver}}`): machine figures, the store's counts,
// the registries searched and what tspod has in place of podman's plugins. Cheap reads only:
// /proc files, statfs, and the store's indexes as they are on disk (no lock, no refresh).
import {existsSync, readFileSync, statfsSync} from 'node:fs';
import {cpus} from 'node:os';
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {loadRegistriesConf, registriesConfFiles} from '../../config/registriesConf';
import {podmanStatus} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import type {HostReport} from '../hostProbe';
import {VERSION} from '../../version';
import {seccompSupported} from '../../runtime/seccomp/bpf';

function readText(path: string): string {
  try {
    return readFileSync(path, `utf8`);
  } catch {
    return ``;
  }
}

function readJsonArray(path: string): Array<Record<string, unknown>> {
  try {
    const v = JSON.parse(readFileSync(path, `utf8`));
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

/** /proc/meminfo's value for KEY, in bytes. */
function meminfo(text: string, key: string): number {
  const kb = new RegExp(`^${key}:\\s+(\\d+) kB`, `m`).exec(text)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

/** /etc/os-release as podman shows it: distribution, version, codename. */
function distribution(): {distribution: string, version: string, codename: string} {
  const text = readText(`/etc/os-release`);
  const get = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, `m`).exec(text)?.[1] ?? ``;
  return {distribution: get(`ID`), version: get(`VERSION_ID`), codename: get(`VERSION_CODENAME`)};
}

/** Uptime as Go prints a duration, as podman does: `16h 42m 13.5s`. */
function uptime(): string {
  const s = Number(readText(`/proc/uptime`).split(` `)[0] ?? 0);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return `${h}h ${m}m ${(s % 60).toFixed(2)}s`;
}

/** Containers by state and images, from the indexes of every driver the store has. */
function storeCounts(graphRoot: string): {containers: Record<string, number>, images: number} {
  const containers = {number: 0, paused: 0, running: 0, stopped: 0};
  let images = 0;
  for (const driver of [`overlay`, `vfs`]) {
    for (const c of [`containers.json`, `volatile-containers.json`].flatMap(f => readJsonArray(join(graphRoot, `${driver}-containers`, f)))) {
      containers.number++;
      const status = podmanStatus((c.metadata ?? {}) as LifeMeta);
      if (status === `running`) containers.running++;
      else if (status === `paused`) containers.paused++;
      else containers.stopped++;
    }
    images += readJsonArray(join(graphRoot, `${driver}-images`, `images.json`)).length;
  }
  return {containers, images};
}

function diskUse(path: string): {allocated: number, used: number} {
  try {
    const s = statfsSync(path);
    return {allocated: s.blocks * s.bsize, used: (s.blocks - s.bfree) * s.bsize};
  } catch {
    return {allocated: 0, used: 0};
  }
}

export function podmanInfoDetails(ctx: EngineContext, report: HostReport) {
  const mem = readText(`/proc/meminfo`);
  const counts = storeCounts(ctx.paths.graphRoot);
  const disk = diskUse(existsSync(ctx.paths.graphRoot) ? ctx.paths.graphRoot : ctx.paths.home);
  let search: Array<string> = [];
  try {
    search = loadRegistriesConf(registriesConfFiles(ctx.env, ctx.paths)).unqualifiedSearchRegistries;
  } catch {} // a broken registries.conf is pull's to report
  const helper = report.host.runtimes.builtin;
  const storageConf = join(ctx.paths.userContainersConfig, `storage.conf`);
  return {
    host: {
      cpus: cpus().length,
      memTotal: meminfo(mem, `MemTotal`), memFree: meminfo(mem, `MemAvailable`),
      swapTotal: meminfo(mem, `SwapTotal`), swapFree: meminfo(mem, `SwapFree`),
      distribution: distribution(),
      uptime: uptime(),
      // tspod keeps no event log (no `events` command yet); its logs are k8s-file.
      eventLogger: `none`,
      logDriver: `k8s-file`,
      networkBackend: report.host.network.default,
      ociRuntime: {name: `tspod-helper`, package: `tspod ${VERSION}`, path: helper, version: `tspod-helper ${VERSION}`},
      conmon: {package: `tspod ${VERSION}`, path: helper, version: `tspod-helper monitor ${VERSION}`},
      security: {rootless: report.host.rootless, seccompEnabled: seccompSupported(), selinuxEnabled: false, apparmorEnabled: false, seccompProfilePath: ``},
      remoteSocket: {path: ``, exists: false},
      serviceIsRemote: false,
      linkmode: `static`,
    },
    store: {
      configFile: storageConf,
      containerStore: counts.containers,
      imageStore: {number: counts.images},
      volumePath: join(ctx.paths.graphRoot, `volumes`),
      graphRootAllocated: disk.allocated, graphRootUsed: disk.used,
      graphOptions: {}, graphStatus: {},
      imageCopyTmpDir: `/var/tmp`,
    },
    registries: {search},
    plugins: {volume: [`local`], network: [report.host.network.pasta ? `pasta` : ``, report.host.network.slirp4netns ? `slirp4netns` : ``].filter(Boolean), log: [`k8s-file`, `none`, `passthrough`], authorization: null},
    version: {APIVersion: VERSION, GoVersion: ``, GitCommit: ``, BuiltTime: ``, Built: 0, OsArch: `linux/${report.host.arch}`, Os: `linux`},
  };
}

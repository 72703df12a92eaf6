// The engine: one method per verb, plain options in, reports out. It holds the
// resolved configuration and loads each verb's module only when it is called, so
// `tspod version` does not pay for the registry client or the store.
import type {Paths, Env} from '../config/paths';
import {resolvePaths} from '../config/paths';
import type {Logger} from '../util/log';
import {resolveEventsBackend} from './events/emit';

export interface EngineOptions {
  env: Env;
  root?: string | undefined;
  runroot?: string | undefined;
  storageDriver?: string | undefined;
  runtime?: string | undefined;
  /** --events-backend (file or none); containers.conf's events_logger when unset. */
  eventsBackend?: string | undefined;
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
  /** Where events go (events/emit.ts): read from containers.conf at the first event. */
  readonly eventsBackend: import('./events/emit').EventsBackend;
}

export class Engine {
  readonly ctx: EngineContext;

  constructor(opts: EngineOptions) {
    const base = {
      paths: resolvePaths(opts.env, {root: opts.root, runroot: opts.runroot}),
      env: opts.env,
      log: opts.log,
      storageDriver: opts.storageDriver,
      runtime: opts.runtime,
      installDir: opts.installDir,
      interactive: opts.interactive,
    };
    // A bad --events-backend fails the command at once; containers.conf is read only
    // when a command emits its first event (most read-only commands never do).
    let backend = opts.eventsBackend === undefined ? undefined : resolveEventsBackend(base, opts.eventsBackend);
    this.ctx = {
      ...base,
      get eventsBackend() {
        return backend ??= resolveEventsBackend(base, undefined);
      },
    };
  }

  async events(opts: import('./verbs/events').EventsOptions) {
    return (await import("./verbs/events")).readEvents(this.ctx, opts);
  }

  async info() {
    return (await import("./verbs/info")).info(this.ctx);
  }

  async login(opts: import('../image/login').LoginOptions) {
    return (await import("../image/login")).login(this.ctx, opts);
  }

  async logout(opts: import('../image/login').LogoutOptions) {
    return (await import("../image/login")).logout(this.ctx, opts);
  }

  async getLogin(opts: {registry: string, authfile?: string}) {
    return (await import("../image/login")).getLogin(this.ctx, opts);
  }

  async pull(opts: import('./verbs/pull').PullOptions) {
    return (await import("./verbs/pull")).pullImage(this.ctx, opts);
  }

  async searchImages(opts: import('./verbs/search').SearchOptions) {
    return (await import("./verbs/search")).searchImages(this.ctx, opts);
  }

  async listImages(opts: import('./verbs/images').ListImagesOptions) {
    return (await import("./verbs/images")).listImages(this.ctx, opts);
  }

  async inspectImages(opts: {images: Array<string>}) {
    return (await import("./verbs/images")).inspectImages(this.ctx, opts);
  }

  async imageExists(opts: {image: string}) {
    return (await import("./verbs/images")).imageExists(this.ctx, opts);
  }

  async imageHistory(opts: {image: string}) {
    return (await import("./verbs/images")).imageHistory(this.ctx, opts);
  }

  async tagImage(opts: {image: string, names: Array<string>}) {
    return (await import("./verbs/images")).tagImage(this.ctx, opts);
  }

  async untagImage(opts: {image: string, names: Array<string>}) {
    return (await import("./verbs/images")).untagImage(this.ctx, opts);
  }

  async removeImages(opts: import('./verbs/rmi').RemoveImagesOptions) {
    return (await import("./verbs/rmi")).removeImages(this.ctx, opts);
  }

  async pruneImages(opts: {all?: boolean, filters?: Array<string>}) {
    return (await import("./verbs/rmi")).pruneImages(this.ctx, opts);
  }

  async systemCheck(opts: {repair?: boolean, quick?: boolean}) {
    return (await import("./verbs/system")).systemCheck(this.ctx, opts);
  }

  async systemDf() {
    return (await import("./verbs/systemDf")).systemDf(this.ctx);
  }
  async systemDfVerbose() {
    return (await import("./verbs/systemDf")).systemDfVerbose(this.ctx);
  }


  async systemReset() {
    return (await import("./verbs/system")).systemReset(this.ctx);
  }

  async port(opts: import('./verbs/port').PortOptions) {
    return (await import("./verbs/port")).portMappings(this.ctx, opts);
  }

  async run(opts: import('./verbs/run').CreateOptions & {sigProxy?: boolean, preserveFds?: string}) {
    return (await import("./verbs/run")).runContainerVerb(this.ctx, opts);
  }

  async createContainer(opts: import('./verbs/run').CreateOptions) {
    return (await import("./verbs/run")).createContainer(this.ctx, opts);
  }

  async createPod(opts: import('./verbs/pod').PodCreateOptions) {
    return (await import("./verbs/pod")).createPod(this.ctx, opts);
  }

  async listPods(opts: {filters?: Array<string>} = {}) {
    return (await import("./verbs/podList")).listPods(this.ctx, opts);
  }

  async inspectPod(ref: string) {
    const pod = await import("./verbs/pod");
    return pod.inspectPodView(await pod.mustPod(this.ctx, ref));
  }

  async topPod(opts: {pod: string, descriptors: Array<string>}) {
    return (await import("./verbs/pod")).topPod(this.ctx, opts);
  }

  async podExists(ref: string) {
    return (await import("./verbs/pod")).podExists(this.ctx, ref);
  }

  async removePods(opts: {pods: Array<string>, all?: boolean, force?: boolean, ignore?: boolean, timeout?: number | undefined}) {
    return (await import("./verbs/pod")).removePods(this.ctx, opts);
  }

  async prunePods() {
    return (await import("./verbs/pod")).prunePods(this.ctx);
  }

  async startPods(opts: {pods: Array<string>, all?: boolean}) {
    return (await import("./verbs/podLifecycle")).startPods(this.ctx, opts);
  }

  async stopPods(opts: {pods: Array<string>, all?: boolean, timeout?: number | undefined, ignore?: boolean}) {
    return (await import("./verbs/podLifecycle")).stopPods(this.ctx, opts);
  }

  async restartPods(opts: {pods: Array<string>, all?: boolean, timeout?: number | undefined}) {
    return (await import("./verbs/podLifecycle")).restartPods(this.ctx, opts);
  }

  async killPods(opts: {pods: Array<string>, all?: boolean, signal?: string | undefined}) {
    return (await import("./verbs/podLifecycle")).killPods(this.ctx, opts);
  }

  async pausePods(opts: {pods: Array<string>, all?: boolean, unpause?: boolean}) {
    return (await import("./verbs/podLifecycle")).pausePods(this.ctx, opts);
  }

  async createVolume(opts: {name?: string | undefined, labels?: Record<string, string>, ignore?: boolean, driver?: string | undefined, options?: Record<string, string>}) {
    return (await import("./verbs/volume")).createVolume(this.ctx, opts);
  }

  async listVolumes(opts: {filters?: Array<string>} = {}) {
    return (await import("./verbs/volume")).listVolumes(this.ctx, opts);
  }

  async inspectVolumes(opts: {names: Array<string>, all?: boolean}) {
    return (await import("./verbs/volume")).inspectVolumes(this.ctx, opts);
  }

  async volumeExists(name: string) {
    return (await import("./verbs/volume")).volumeExists(this.ctx, name);
  }

  async createSecret(opts: {name: string, data: Buffer, labels?: Record<string, string>, replace?: boolean}) {
    return (await import("./verbs/secret")).createSecret(this.ctx, opts);
  }

  async listSecrets(opts: {filters?: Array<string>} = {}) {
    return (await import("./verbs/secret")).listSecrets(this.ctx, opts);
  }

  async inspectSecrets(opts: {refs: Array<string>, showSecret?: boolean}) {
    return (await import("./verbs/secret")).inspectSecrets(this.ctx, opts);
  }

  async removeSecrets(opts: {refs: Array<string>, all?: boolean, ignore?: boolean}) {
    return (await import("./verbs/secret")).removeSecrets(this.ctx, opts);
  }

  async secretExists(ref: string) {
    return (await import("./verbs/secret")).secretExists(this.ctx, ref);
  }

  async removeVolumes(opts: {names: Array<string>, all?: boolean, force?: boolean}) {
    return (await import("./verbs/volume")).removeVolumes(this.ctx, opts);
  }

  async pruneVolumes(opts: {filters?: Array<string>} = {}) {
    return (await import("./verbs/volume")).pruneVolumes(this.ctx, opts);
  }

  // Container lifecycle (monitor-backed): src/engine/verbs/{start,stop,rm,ps,logs,wait,inspect,exec,attach,container}.ts
  async startContainers(opts: import('./verbs/start').StartOptions) {
    return (await import("./verbs/start")).startContainers(this.ctx, opts);
  }

  async runDetached(opts: import('./verbs/run').CreateOptions & {restart?: string | undefined, logMax?: number | undefined}) {
    return (await import("./verbs/start")).runDetached(this.ctx, opts);
  }

  async restartContainers(opts: {containers: Array<string>, all?: boolean, running?: boolean, timeout?: number | undefined}) {
    return (await import("./verbs/start")).restartContainers(this.ctx, opts);
  }

  async stopContainers(opts: import('./verbs/stop').StopOptions) {
    return (await import("./verbs/stop")).stopContainers(this.ctx, opts);
  }

  async killContainers(opts: {containers: Array<string>, all?: boolean, signal?: string | undefined}) {
    return (await import("./verbs/stop")).killContainers(this.ctx, opts);
  }

  async pauseContainers(opts: {containers: Array<string>, unpause?: boolean, all?: boolean}) {
    return (await import("./verbs/stop")).pauseContainers(this.ctx, opts);
  }

  async containerStats(opts: import('./verbs/stats').StatsOptions) {
    return (await import("./verbs/stats")).containerStats(this.ctx, opts);
  }

  async updateContainer(opts: import('./verbs/update').UpdateOptions) {
    return (await import("./verbs/update")).updateContainer(this.ctx, opts);
  }

  async quadlet(opts: import('./quadlet/generate').QuadletOptions) {
    return (await import("./quadlet/generate")).quadlet(this.ctx, opts);
  }

  async removeContainers(opts: import('./verbs/rm').RemoveOptions) {
    return (await import("./verbs/rm")).removeContainers(this.ctx, opts);
  }

  async pruneContainers(opts: {filters?: Array<string>} = {}) {
    return (await import("./verbs/rm")).pruneContainers(this.ctx, opts);
  }

  async cleanupContainer(opts: {container: string}) {
    return (await import("./verbs/rm")).cleanupContainer(this.ctx, opts);
  }

  async listContainers(opts: import('./verbs/ps').PsOptions) {
    return (await import("./verbs/ps")).listContainers(this.ctx, opts);
  }

  async containerLogs(opts: import('./verbs/logs').LogsOptions) {
    return (await import("./verbs/logs")).containerLogs(this.ctx, opts);
  }

  async waitContainers(opts: {containers: Array<string>, conditions?: Array<string>, intervalMs?: number, ignore?: boolean}) {
    return (await import("./verbs/wait")).waitContainers(this.ctx, opts);
  }

  async runHealthcheck(opts: {container: string}) {
    return (await import("./verbs/healthcheck")).runHealthcheck(this.ctx, opts);
  }

  async inspectAny(opts: {names: Array<string>, type: import('./verbs/inspectAny').InspectType, size?: boolean}) {
    return (await import("./verbs/inspectAny")).inspectAny(this.ctx, opts);
  }

  async inspectContainers(opts: {containers: Array<string>, size?: boolean}) {
    return (await import("./verbs/inspect")).inspectContainers(this.ctx, opts);
  }

  async execContainer(opts: import('./verbs/exec').ExecOptions) {
    return (await import("./verbs/exec")).execInContainer(this.ctx, opts);
  }

  async attachContainer(opts: {container: string, noStdin?: boolean} & import('./verbs/attach').AttachIO) {
    return (await import("./verbs/attach")).attachContainer(this.ctx, opts);
  }

  async renameContainer(opts: {container: string, name: string}) {
    return (await import("./verbs/container")).renameContainer(this.ctx, opts);
  }

  async containerExists(opts: {container: string}) {
    return (await import("./verbs/container")).containerExists(this.ctx, opts);
  }

  // Archives and new images: src/engine/verbs/{export,import,save,load,commit,push,cp,diff}.ts
  async exportVolume(opts: {name: string, output: NodeJS.WritableStream}) {
    return (await import("./verbs/volume")).exportVolume(this.ctx, opts);
  }

  async importVolume(opts: {name: string, input: NodeJS.ReadableStream}) {
    return (await import("./verbs/volume")).importVolume(this.ctx, opts);
  }

  async exportContainer(opts: import('./verbs/export').ExportOptions) {
    return (await import("./verbs/export")).exportContainer(this.ctx, opts);
  }

  async importImage(opts: import('./verbs/import').ImportOptions) {
    return (await import("./verbs/import")).importImage(this.ctx, opts);
  }

  async saveImages(opts: import('./verbs/save').SaveOptions) {
    return (await import("./verbs/save")).saveImages(this.ctx, opts);
  }

  async loadImages(opts: import('./verbs/load').LoadOptions) {
    return (await import("./verbs/load")).loadImages(this.ctx, opts);
  }

  async commitContainer(opts: import('./verbs/commit').CommitOptions) {
    return (await import("./verbs/commit")).commitContainer(this.ctx, opts);
  }

  async pushImage(opts: import('./verbs/push').PushOptions) {
    return (await import("./verbs/push")).pushImage(this.ctx, opts);
  }

  async copy(opts: import('./verbs/cp').CpOptions) {
    return (await import("./verbs/cp")).copy(this.ctx, opts);
  }

  async diffContainer(opts: {container: string}) {
    return (await import("./verbs/diff")).diffContainer(this.ctx, opts);
  }

  async generateSystemd(opts: import('./verbs/generateSystemd').GenerateSystemdOptions) {
    return (await import("./verbs/generateSystemd")).generateSystemd(this.ctx, opts);
  }

  async unshare(opts: import('./verbs/unshare').UnshareOptions) {
    return (await import("./verbs/unshare")).unshare(this.ctx, opts);
  }

  async topContainer(opts: {container: string, descriptors: Array<string>}) {
    return (await import("./verbs/top")).topContainer(this.ctx, {...opts, allowPs: true});
  }
}

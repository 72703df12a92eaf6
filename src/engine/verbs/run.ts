// `tspod run` and `tspod create`: options → OCI spec (engine/run/) → the helper
// (runtime/helper.ts). The container's exit status is returned; 125/126/127 come
// as TspodErrors. With --rm the container goes in every case: here when tspod lives,
// by sweepLeftovers on the next command when tspod was killed.
import {forwardSignals, killQuietly, RELAYED_SIGNALS} from '../../util/forwardSignals';
import {join, resolve} from 'node:path';
import {readFileSync} from 'node:fs';
import {copyPidWhenStarted, removePidfile} from '../run/pidfile';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {passedFds} from '../run/passedFds';
import {predictFrame, runPlanned, startEarly} from '../run/earlyStart';
import {runOci} from '../../runtime/runc';
import {startTimeOf} from '../lifecycle/procStat';
import {logPath} from '../lifecycle/containers';
import {checkOciDriver, checkOciRun, chooseRuntime, ociDirs} from '../run/runtime';
import type {Store} from '../../storage/Store';
import type {Image} from '../../storage/ImageStore';
import {uid as hostUid} from '../../config/paths';
import {parseImageName} from '../../oci/transport';
import {findImage, logsForeground, prepareContainer, removeContainer, sweepLeftovers, timeoutSeconds, validate} from '../run/prepare';
import type {CreateOptions, Validated} from '../run/prepare';
import {openStore} from './store';
import {checkNetworkPorts} from '../run/network';
import {notifyWhenStarted, openRelay, parseSdNotify} from '../quadlet/sdnotify';
import type {NotifyRelay} from '../quadlet/sdnotify';
import type {NetworkRecord} from '../run/network';
import {containerEvent, emitContainer, emitEvents, imageEvent} from '../events/emit';
import type {ContainerRecord} from '../../storage/ContainerStore';
import {isoNow} from '../../util/isoTime';

export type {CreateOptions} from '../run/prepare';

export interface RunReport {
  id: string;
  exitCode: number;
}

/** The image to create from, and the name to record for it (a transport's input is no image name). */
async function imageFor(ctx: EngineContext, o: CreateOptions, v: Validated): Promise<{store: Store, image: Image, ref: string}> {
  let store = (await openStore(ctx)).store;
  await sweepLeftovers(store).catch(() => undefined);
  // A registry image may already be here; one from a local transport is always
  // copied again, as podman does (its pull policy applies to registries only).
  const name = parseImageName(o.image);
  const local = name.transport === `docker` ? name.reference : undefined;
  let found = v.pull === `always` || local === undefined ? undefined : await findImage(store, local);
  let image = found?.image;
  if (!image && v.pull === `never`)
    throw new TspodError(`NoSuchImage`, `${o.image}: image not known`, {hint: `pull it first (tspod pull ${o.image}) or drop --pull never`});
  // podman 4 tells of a pull for an image it found here too, under the name as given.
  if (image) emitEvents(ctx, [imageEvent(`pull`, undefined, o.image)]);
  if (!image) {
    await store.close();
    const {pullImage} = await import(`./pull`);
    const report = await pullImage(ctx, {reference: o.image, ...o.pullUi?.(), ...o.pullOptions});
    store = (await openStore(ctx)).store;
    const id = report.images[0]?.id;
    found = local !== undefined ? await findImage(store, local) : undefined;
    image = id ? (await store.images.get(id)) : found?.image;
    if (!image) throw new Error(`Assertion failed: pulled ${o.image} but cannot find it`);
    if (found?.image.id !== image.id) found = undefined;
  }
  // As podman's RootfsImageName (ps, inspect, events, .containerenv): the stored name the
  // reference matched (`alpine` → localhost/alpine:latest), or the image's first name for an ID.
  return {store, image, ref: found?.name ?? image.names[0] ?? image.id};
}

/** A sink for a stream -a leaves out. */
function discard(): NodeJS.WritableStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const {Writable} = require(`node:stream`) as typeof import('node:stream');
  return new Writable({write: (_c, _e, cb) => cb()});
}

/** --replace: the container named so goes first, running or not (rm -f); none is fine. */
async function replaceNamed(ctx: EngineContext, name: string): Promise<void> {
  const {removeContainers} = await import(`./rm`);
  const r = await removeContainers(ctx, {containers: [name], force: true, ignore: true, volumes: false});
  if (r.errors.length > 0) throw r.errors[0];
}

/** --rmi: the image goes too, unless another container uses it (then it stays, silently, as podman). */
export async function removeImageQuietly(ctx: EngineContext, imageId: string): Promise<void> {
  const {removeImages} = await import(`./rmi`);
  await removeImages(ctx, {images: [imageId], ignore: true}).catch(err => ctx.log.debug(`--rmi: ${(err as Error).message}`));
}

export async function createContainer(ctx: EngineContext, options: CreateOptions): Promise<{id: string}> {
  const o = options.pod === undefined ? options : await (await import(`../pod/join`)).joinPod(ctx, options);
  const v = validate(o);
  const runtime = chooseRuntime(ctx);
  if (runtime.kind === `oci`) checkOciRun(runtime, o, o.forRun === false ? `run` : `create`);
  (await import(`./start`)).checkRestartFlags(o);
  if (o.replace) await replaceNamed(ctx, o.name!);
  const {store, image, ref} = await imageFor(ctx, o, v);
  try {
    const p = await prepareContainer(ctx, store, image, ref, {...o, forRun: false}, v);
    await (await import(`./start`)).applyCreateExtras(store.containers, p.record.id, o); // --restart, -i (lifecycle)
    emitContainer(ctx, p.record, `create`);
    return {id: p.record.id};
  } finally {
    await store.close();
  }
}

/** SIGKILL to the container's process as its pid file names it (nothing if it is gone). */
function killByPidfile(pidFile: string): void {
  try {
    const pid = Number(readFileSync(pidFile, `utf8`).trim());
    if (pid > 0) process.kill(pid, `SIGKILL`);
  } catch {} // not started yet, or exited meanwhile
}

export async function runContainerVerb(ctx: EngineContext, options: CreateOptions & {sigProxy?: boolean, preserveFds?: string}): Promise<RunReport> {
  const passed = passedFds(options.preserveFds, options.hostEnv);
  const joined = options.pod === undefined ? options : {...options, ...await (await import(`../pod/join`)).joinPod(ctx, options)};
  // Socket activation's LISTEN_* come first: the user's -e wins.
  const o = passed.count === 0 ? joined : {...joined, passFds: passed.count, env: [...passed.env, ...joined.env ?? []]};
  const v = validate(o);
  const runtime = chooseRuntime(ctx);
  if (runtime.kind === `oci`) checkOciRun(runtime, o, `run`);
  if (o.detach) return (await import(`./start`)).runDetached(ctx, o); // lifecycle: under a monitor
  if (o.restart !== undefined) (await import(`./start`)).checkRestartFlags(o); // a bad policy, or one with --rm
  if (o.replace) await replaceNamed(ctx, o.name!);
  // `--log-level debug` prints when each phase ends, in ms since the process started (bench/run.mjs reads them).
  const phase = (what: string) => {
    if (ctx.log.level === `debug`) ctx.log.debug(`timing: ${what} ${performance.now().toFixed(1)} ms`); // only then load perf_hooks
  };
  phase(`cli`);
  const helperPath = join(ctx.installDir, `helpers/tspod-helper`);
  const attached = (stream: string) => o.attach === undefined || o.attach.length === 0 || o.attach.some(a => a.toLowerCase() === stream);
  // -a: a stream not attached is not shown (the log keeps it).
  const io = {stdin: o.interactive && attached(`stdin`) ? `inherit` : `ignore`, stdout: attached(`stdout`) ? `inherit` : `ignore`, stderr: attached(`stderr`) ? `inherit` : `ignore`} as const;
  const stdio = [io.stdin, io.stdout, io.stderr] as never;
  const ids = {hostUid: hostUid(), hostGid: process.getgid ? process.getgid() : 0};
  const frame = runtime.kind === `oci` ? undefined : predictFrame(o, v);
  if (runtime.kind === `oci` && passed.count > 0)
    throw new TspodError(`Unsupported`, `passing file descriptors (--preserve-fds, socket activation) with --runtime ${runtime.name} is not supported`, {hint: `drop --runtime`});
  const preserve = passed.count > 0 ? {preserveFds: passed.count} : {};
  let early = frame ? startEarly(helperPath, frame, ids, {stdio, foreground: false, ...preserve}) : undefined;
  let store: Store, image: Image, ref: string;
  try {
    ({store, image, ref} = await imageFor(ctx, o, v));
  } catch (err) {
    await early?.helper.abandon();
    throw err;
  }
  phase(`store`);
  let id: string | undefined;
  let anonymous: Array<string> = [];
  // A foreground run's container events go in two writes: as it starts, and once it is over
  // (an image found locally has had its pull event written at the lookup, imageFor).
  let record: ContainerRecord | undefined;
  let exitCode: number | undefined;
  try {
    if (runtime.kind === `oci`) checkOciDriver(runtime, store.driver.name);
    const oci = runtime.kind === `oci` ? {name: runtime.name, path: runtime.path} : undefined;
    let helperPid = early?.helper.pid;
    const p = await prepareContainer(ctx, store, image, ref, {...o, forRun: true}, v, {
      state: `running`, runnerPid: process.pid, startedAt: isoNow(), ...(oci ? {runtime: oci} : {}), ...(helperPid ? {helperPid} : {}),
    });
    phase(`prepare`);
    id = p.record.id;
    record = p.record;
    anonymous = p.anonymousVolumes;
    emitContainer(ctx, record, `create`, `init`, `start`, `attach`);
    const cid = id;
    await checkNetworkPorts((p.record.metadata as {network?: NetworkRecord}).network);
    const pidFile = join(store.containers.userdataDir(cid), `pidfile`);
    // Every signal tspod gets goes to the helper, which passes it to the container.
    const stopForwarding = forwardSignals(RELAYED_SIGNALS, sig => { if (o.sigProxy !== false) killQuietly(helperPid, sig); });
    // Under a Type=notify unit: --sdnotify conmon says READY=1 once the container process
    // exists; --sdnotify container relays what the container sends (quadlet/sdnotify.ts).
    const notify = {done: false};
    const sdMode = parseSdNotify(o.sdnotify);
    const warnNotify = (err: unknown) => ctx.log.warn(`sd_notify: ${err instanceof Error ? err.message : String(err)}`);
    if (o.pidfile) void copyPidWhenStarted(pidFile, resolve(o.cwd, o.pidfile), notify).catch(err => ctx.log.warn(`--pidfile: ${(err as Error).message}`));
    if (o.hostEnv.NOTIFY_SOCKET && sdMode === `conmon`)
      void notifyWhenStarted(o.hostEnv.NOTIFY_SOCKET, pidFile, notify).catch(warnNotify);
    let relay: NotifyRelay | undefined;
    if (o.hostEnv.NOTIFY_SOCKET && sdMode === `container`) {
      relay = await openRelay(o.hostEnv.NOTIFY_SOCKET, store.containers.userdataDir(cid), warnNotify);
      relay.start();
    }
    const onSpawn = (pid: number) => {
      helperPid = pid;
      void store.containers.updateRecord(cid, c => {
        c.metadata = {...c.metadata, helperPid: pid};
      }).catch(() => undefined);
    };
    // --timeout: podman's conmon kills the container once it has run that long.
    const limit = timeoutSeconds(o.timeout);
    const killer = limit > 0 ? setTimeout(() => killByPidfile(pidFile), limit * 1000) : undefined;
    try {
      if (oci) {
        const dirs = ociDirs(ctx.paths.runRoot, oci.name, cid);
        ({exitCode} = await runOci(p.spec, {
          runtime: oci, helperPath: join(ctx.installDir, `helpers/tspod-helper`), id: cid, stateRoot: dirs.stateRoot, bundleDir: dirs.bundleDir,
          pidFile, rootfsMount: p.rootfsMount, path: ctx.env.PATH, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr === `inherit` ? process.stderr : discard(),
          onSpawn,
          // exec, stop and kill find the container by its pid (a foreground run has no monitor).
          onPid: async pid => {
            await store.containers.updateRecord(cid, c => {
              c.metadata = {...c.metadata, pid, pidStart: startTimeOf(pid)};
            });
          },
        }));
      } else {
        const started = early;
        early = undefined; // finished or abandoned by runPlanned
        // The helper relays the output and keeps it in the log, as conmon does: `tspod logs` shows a foreground run's too.
        const log = logsForeground(o) ? {log: {path: logPath(store.containers, cid), max: o.logMax ?? 0}} : {};
        const r = await runPlanned(helperPath, started, p.spec, {rootfsMount: p.rootfsMount, ...ids, pidFile, ...log}, {stdio, foreground: false, onSpawn, ...preserve});
        exitCode = r.exitCode;
      }
      phase(`container`);
    } finally {
      clearTimeout(killer);
      notify.done = true;
      relay?.close();
      stopForwarding();
    }
    if (!o.rm)
      await store.containers.updateRecord(cid, c => {
        c.metadata = {...c.metadata, state: `exited`, exitCode, finishedAt: isoNow()};
      }).catch(() => undefined);
    return {id: cid, exitCode: exitCode!};
  } catch (err) {
    await early?.helper.abandon();
    if (id && !o.rm)
      await store.containers.updateRecord(id, c => {
        c.metadata = {...c.metadata, state: `exited`, startError: err instanceof Error ? err.message : String(err)};
      }).catch(() => undefined);
    throw err;
  } finally {
    // No `removing` state first: removeContainer drops the record before anything
    // else, so no other command could see it; a failed removal stays rmPending for
    // sweepLeftovers.
    let removed = false;
    if (id && o.rm) {
      removed = await removeContainer(store, id, anonymous).then(() => true, () => false);
      if (o.pidfile) removePidfile(resolve(o.cwd, o.pidfile));
    }
    if (record) {
      const died = exitCode === undefined ? [] : [containerEvent(record, `died`, {exitCode})];
      emitEvents(ctx, [...died, containerEvent(record, removed ? `remove` : `cleanup`)]);
    }
    await store.close();
    if (id && o.rm && o.rmi) await removeImageQuietly(ctx, image!.id);
    phase(`cleanup`);
  }
}

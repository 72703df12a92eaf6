// The client side of the apply worker: spawns `apply-worker.js` once, as root in
// a user namespace mapped from the caller's /etc/subuid range (via
// `tspod-helper userns --`, or util-linux `unshare --map-auto --map-root-user
// --mount` when no helper is given; directly when already uid 0), and sends it
// JSON-line requests. One worker serves all of a pull's layers.
import type {ChildProcess} from 'node:child_process';
import type {Digest} from '../oci/digest';
import {TspodError} from '../engine/errors';
import type {ApplyResult} from './applyLayer';
import type {WhiteoutFormat, WorkerOp} from './drivers/Driver';
import type {PackRequest, PackResult} from './layerTar';
import type {ExtractRequest} from './extractTar';
import {childProcess, readline} from '../util/lazyBuiltins';

export type {ApplyResult, ApplyWarning} from './applyLayer';

export interface ApplyRequest {
  blob: string;
  target: string;
  whiteouts: WhiteoutFormat;
  expectedDiffID?: Digest;
  /** Host user name for hints. */
  user?: string;
}

/** A path resolved in a tree as its container sees it (links followed within the tree). */
export interface ResolveResult {
  rel: string;
  kind: `directory` | `other` | `missing`;
}

export type WorkerRequest =
  | ({id: number, op: `apply`} & ApplyRequest)
  | {id: number, op: `resolve`, root: string, rel: string, followLast: boolean}
  | ({id: number} & WorkerOp)
  | ({id: number, op: `pack`} & PackRequest)
  | ({id: number, op: `extract`} & ExtractRequest);

export type WorkerResponse =
  | {id: number, ok: true, result?: ApplyResult | PackResult | ResolveResult}
  | {id: number, ok: false, error: {code: string, message: string}};

export interface UsernsLauncher {
  /** `tspod-helper` (its `userns` mode); when absent, util-linux unshare is used. */
  helperPath?: string;
  /** Run directly, without a new user namespace (already root, or tests of the worker itself). */
  direct?: boolean;
  /** argv put in front of everything, e.g. `setpriv --reuid=… --` in tests run as root. */
  prefix?: Array<string>;
}

/** argv that runs `cmd` as root in a new user + mount namespace mapped from /etc/subuid. */
export function usernsArgv(cmd: Array<string>, launcher: UsernsLauncher): Array<string> {
  const pre = launcher.prefix ?? [];
  if (launcher.direct) return [...pre, ...cmd];
  if (launcher.helperPath) return [...pre, launcher.helperPath, `userns`, `--`, ...cmd];
  return [...pre, `unshare`, `--map-auto`, `--map-root-user`, `--mount`, `--`, ...cmd];
}

export interface WorkerClientOptions extends UsernsLauncher {
  /** The whole command line instead (a worker started in a running container's user namespace: engine/verbs/cpLive.ts). */
  argv?: Array<string>;
  /** Path of dist/apply-worker.js. */
  workerScript: string;
  /** Node binary (default: this one). */
  node?: string;
  user?: string;
}

export class WorkerClient {
  private readonly opts: WorkerClientOptions;
  private child: ChildProcess | undefined;
  private ready: Promise<{uidMap: string, gidMap: string}> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, {resolve: (r: WorkerResponse) => void, reject: (e: Error) => void}>();
  private stderr = ``;

  constructor(opts: WorkerClientOptions) {
    this.opts = opts;
  }

  private start(): Promise<{uidMap: string, gidMap: string}> {
    if (this.ready) return this.ready;
    const argv = this.opts.argv ?? usernsArgv([this.opts.node ?? process.execPath, this.opts.workerScript], this.opts);
    const child = childProcess().spawn(argv[0]!, argv.slice(1), {stdio: [`pipe`, `pipe`, `pipe`]});
    this.child = child;
    child.stderr!.on(`data`, (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.ready = new Promise((resolve, reject) => {
      const rl = readline().createInterface({input: child.stdout!});
      let started = false;
      rl.on(`line`, line => {
        let msg: {ready?: boolean, uidMap?: string, gidMap?: string} & Partial<WorkerResponse>;
        try {
          msg = JSON.parse(line);
        } catch {
          return;
        }
        if (!started && msg.ready) {
          started = true;
          resolve({uidMap: msg.uidMap ?? ``, gidMap: msg.gidMap ?? ``});
          return;
        }
        const p = this.pending.get(msg.id as number);
        if (p) {
          this.pending.delete(msg.id as number);
          p.resolve(msg as WorkerResponse);
        }
      });
      const fail = (why: string) => {
        const err = new TspodError(`Host`, `the layer worker ${why}: ${this.stderr.trim().split(`\n`).pop() ?? ``}`.trim(), {hint: `check that /etc/subuid and /etc/subgid have a range for this user and that newuidmap is installed (uidmap package)`});
        if (!started) reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        this.child = undefined;
        this.ready = undefined;
      };
      child.on(`error`, err => fail(`could not start (${err.message})`));
      child.on(`exit`, (code, sig) => {
        if (this.pending.size > 0 || !started) fail(`exited (${sig ?? code})`);
        else {
          this.child = undefined;
          this.ready = undefined;
        }
      });
    });
    return this.ready;
  }

  private async send(req: WorkerRequest): Promise<WorkerResponse> {
    await this.start();
    return new Promise((resolve, reject) => {
      this.pending.set(req.id, {resolve, reject});
      this.child!.stdin!.write(`${JSON.stringify(req)}\n`);
    });
  }

  /** The worker's /proc/self/uid_map and gid_map (starts it). */
  maps(): Promise<{uidMap: string, gidMap: string}> {
    return this.start();
  }

  async apply(req: ApplyRequest): Promise<ApplyResult> {
    const r = await this.send({id: this.nextId++, op: `apply`, ...(this.opts.user ? {user: this.opts.user} : {}), ...req});
    if (!r.ok) {
      if (r.error.code === `BadLayer`) throw new TspodError(`Storage`, `cannot apply layer: ${r.error.message}`);
      throw new TspodError(`Storage`, `cannot apply layer \`${req.blob}\`: ${r.error.message}`);
    }
    return r.result as ApplyResult;
  }

  /** A tar file into a tree it cannot escape (extractTar.ts), as root in the user namespace; `what` names that tree in an error. */
  async extract(req: ExtractRequest, what = `the container`): Promise<void> {
    const r = await this.send({id: this.nextId++, op: `extract`, ...req});
    if (!r.ok) throw new TspodError(`InvalidArgument`, `cannot copy into ${what}: ${r.error.message}`);
  }

  /** Layer directories → a tar file (layerTar.ts), read as root in the user namespace. */
  async pack(req: PackRequest): Promise<PackResult> {
    const r = await this.send({id: this.nextId++, op: `pack`, ...req});
    if (!r.ok) throw new TspodError(r.error.code === `ENOENT` ? `InvalidArgument` : `Storage`, `cannot archive ${req.subPath ?? `the layer`}: ${r.error.message}`);
    return r.result as PackResult;
  }

  /** `rel` in `root` with its links followed within root (layerPath.ts resolveInLayers), and what it names. */
  async resolve(root: string, rel: string, followLast: boolean): Promise<ResolveResult> {
    const r = await this.send({id: this.nextId++, op: `resolve`, root, rel, followLast});
    if (!r.ok) throw new TspodError(`Storage`, `cannot resolve ${rel}: ${r.error.message}`);
    return r.result as ResolveResult;
  }

  async run(op: WorkerOp): Promise<void> {
    const r = await this.send({id: this.nextId++, ...op});
    if (!r.ok) throw new TspodError(`Storage`, `${op.op} failed: ${r.error.message}`);
  }

  async runAll(ops: Array<WorkerOp>): Promise<void> {
    for (const op of ops) await this.run(op);
  }

  /** Ends the worker (EOF on its stdin) and waits for it. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await new Promise<void>(resolve => {
      child.once(`exit`, () => resolve());
      child.stdin!.end();
    });
  }
}

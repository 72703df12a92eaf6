// Every command inherits podman's global options and gets its engine from here.
import {Command, Option} from 'clipanion';
import type {BaseContext} from 'clipanion';
import type {Writable} from 'node:stream';
import {Engine} from '../engine/Engine';
import type {Env} from '../config/paths';
import {TspodError} from '../engine/errors';
import {createLogger, isLogLevel} from '../util/log';
import type {LogLevel} from '../util/log';
import type {FdWriter} from '../util/fdWriter';

export interface TspodContext extends BaseContext {
  /**
   * src/cli/stdio.ts's writers, typed as the Writable clipanion declares (it only calls
   * write()): write() and isTTY; what needs a Node stream (pipeline, readline) takes `.stream`.
   */
  stdout: Writable & FdWriter;
  stderr: Writable & FdWriter;
  env: Env;
  installDir: string;
  isTTY: boolean;
  /** Where a command's error is handed to main.ts (clipanion would print it itself). */
  failure: {error?: unknown};
}

export abstract class BaseCommand extends Command<TspodContext> {
  root = Option.String(`--root`, {description: `Path to the root directory in which data, including images, is stored`});
  runroot = Option.String(`--runroot`, {description: `Path to the 'run directory' where all state information is stored`});
  storageDriver = Option.String(`--storage-driver`, {description: `Select which storage driver is used to manage storage of images and containers (overlay, fuse-overlayfs, vfs)`});
  logLevel = Option.String(`--log-level`, `warn`, {description: `Log messages at and above specified level: debug, info, warn, error, fatal or panic`});
  runtimeName = Option.String(`--runtime`, {description: `Path or name of the OCI runtime: the built-in helper (default), runc or crun`});
  // A global flag in podman (`podman --cgroup-manager cgroupfs run …`); used by run and create.
  cgroupManager = Option.String(`--cgroup-manager`, {description: `Cgroup manager to use: systemd or cgroupfs (default: systemd when a user instance runs)`});

  eventsBackend = Option.String(`--events-backend`, {description: `Events backend to use: file (the default) or none`});

  private engineInstance?: Engine;

  get engine(): Engine {
    if (!this.engineInstance) {
      const level = this.logLevel;
      if (!isLogLevel(level))
        throw new TspodError(`InvalidArgument`, `invalid log level "${level}"`, {hint: `use one of debug, info, warn, error, fatal, panic`});
      this.engineInstance = new Engine({
        env: this.context.env,
        root: this.root,
        runroot: this.runroot,
        storageDriver: this.storageDriver,
        runtime: this.runtimeName,
        eventsBackend: this.eventsBackend,
        log: createLogger(level as LogLevel, line => this.context.stderr.write(line)),
        installDir: this.context.installDir,
        interactive: this.context.isTTY,
      });
    }
    return this.engineInstance;
  }

  override async catch(error: unknown): Promise<void> {
    this.context.failure.error = error;
  }

  /** A yes/no question on stdout, answered on stdin; anything but y/yes (or no answer at all) is no. */
  protected async confirm(question: string): Promise<boolean> {
    this.context.stdout.write(question);
    // require, not import(): a dynamic import() in a function restored from the launcher's
    // code cache has no import callback ("A dynamic import callback was not specified").
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const {createInterface} = require(`node:readline`) as typeof import('node:readline');
    const rl = createInterface({input: this.context.stdin});
    const answer = await new Promise<string>(resolve => {
      rl.once(`line`, resolve);
      rl.once(`close`, () => resolve(``));
    });
    rl.close();
    return /^y(es)?$/i.test(answer.trim());
  }

  /** podman prompts (short names) only when stdin and stdout are both a terminal. */
  protected canPrompt(): boolean {
    // stdout first: it is known without a stream, while touching stdin creates its stream (~8 ms).
    if (!this.context.stdout.isTTY) return false;
    const stdin = this.context.stdin as NodeJS.ReadStream;
    return Boolean(stdin.isTTY && typeof stdin.setRawMode === `function`);
  }

  protected out(text: string): void {
    this.context.stdout.write(text.endsWith(`\n`) ? text : `${text}\n`);
  }

  protected json(value: unknown): void {
    this.out(JSON.stringify(value, null, 4));
  }
}

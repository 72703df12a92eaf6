import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {reportBatch} from '../batch';
import {TspodError} from '../../engine/errors';
import {containerTargets} from '../targets';
import {proxySignals} from '../sigProxy';

export default class StartCommand extends BaseCommand {
  static override paths = [[`start`], [`container`, `start`]];
  static override usage = Command.Usage({
    description: `Start one or more containers`,
    details: `Starts created or exited containers under a monitor that outlives this command. With -a the output is attached (and -i the input) until the container exits; the exit status is then the container's.`,
    examples: [[`Start a container`, `$0 start web`], [`Start and attach`, `$0 start -a web`]],
  });

  attach = Option.Boolean(`-a,--attach`, false, {description: `Attach container's STDOUT and STDERR`});
  interactive = Option.Boolean(`-i,--interactive`, false, {description: `Make STDIN available to the contained process`});
  all = Option.Boolean(`--all`, false, {description: `Start all containers regardless of their state or configuration`});
  sigProxy = Option.Boolean(`--sig-proxy`, true, {description: `Proxy received signals to the process (with --attach; default true)`});
  detachKeys = Option.String(`--detach-keys`, {description: `Select the key sequence for detaching a container (default ctrl-p,ctrl-q)`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  filter = Option.Array(`--filter`, [], {description: `Filter the containers to start (ps's filters: name, id, status, ancestor, label, exited)`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    if (this.latest || this.filter.length > 0) this.containers = await containerTargets(this.engine, {containers: this.containers, latest: this.latest, filters: this.filter});
    if (!this.all && this.containers.length === 0) {
      if (this.filter.length > 0) return 0; // nothing matched: nothing to start
      throw new TspodError(`InvalidArgument`, `start requires at least one argument`, {hint: `name a container, or use --all`});
    }
    if (this.attach && this.containers.length > 1)
      throw new TspodError(`InvalidArgument`, `you cannot start and attach multiple containers at once`);
    if (this.attach) {
      const {connectSocket, attachSession} = await import(`../../engine/verbs/attach`);
      let session: Promise<{exitCode: number | undefined}> | undefined;
      const onSocket = (path: string) => {
        session = connectSocket(path).then(sock => attachSession(sock, {
          stdin: this.interactive ? this.context.stdin : undefined, stdout: this.context.stdout, stderr: this.context.stderr, detachKeys: this.detachKeys,
        }));
      };
      // From now on: the container may print before start returns.
      const stopProxy = proxySignals(this.engine, this.containers[0]!, this.sigProxy);
      let r;
      try {
        await this.engine.startContainers({containers: this.containers, attach: true, interactive: this.interactive, onSocket});
        r = await session!;
      } finally {
        stopProxy();
      }
      if (r.exitCode === undefined || r.exitCode === -1) {
        const [w] = await this.engine.waitContainers({containers: this.containers, ignore: true});
        return r.exitCode === undefined ? 0 : w?.exitCode ?? 0;
      }
      return r.exitCode;
    }
    const report = await this.engine.startContainers({containers: this.containers, all: this.all, interactive: this.interactive});
    for (const s of report.started) this.out(s.ref);
    reportBatch(this.context.stderr, report.errors);
    return 0;
  }
}

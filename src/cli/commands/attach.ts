import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {proxySignals} from '../sigProxy';
import {latestContainer} from '../targets';
import {TspodError} from '../../engine/errors';

export default class AttachCommand extends BaseCommand {
  static override paths = [[`attach`], [`container`, `attach`]];
  static override usage = Command.Usage({
    description: `Attach to a running container`,
    details: `Connects this terminal to the container's output (and input unless --no-stdin) through its monitor. Detach with ctrl-p,ctrl-q (or --detach-keys); the container keeps running. When the container exits, its exit status is returned.`,
    examples: [[`Attach`, `$0 attach web`]],
  });

  detachKeys = Option.String(`--detach-keys`, {description: `Select the key sequence for detaching a container (default ctrl-p,ctrl-q)`});
  noStdin = Option.Boolean(`--no-stdin`, false, {description: `Do not attach STDIN`});
  sigProxy = Option.Boolean(`--sig-proxy`, true, {description: `Proxy received signals to the process`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  container = Option.String({name: `CONTAINER`, required: false});

  async execute() {
    const container = this.latest ? await latestContainer(this.engine) : this.container;
    if (container === undefined) throw new TspodError(`InvalidArgument`, `attach requires the name or ID of a container`, {hint: `or use --latest`});
    const stopProxy = proxySignals(this.engine, container, this.sigProxy);
    const r = await this.engine.attachContainer({
      container, noStdin: this.noStdin, stdin: this.context.stdin, stdout: this.context.stdout,
      stderr: this.context.stderr, detachKeys: this.detachKeys,
    }).finally(stopProxy);
    return r.exitCode ?? 0;
  }
}

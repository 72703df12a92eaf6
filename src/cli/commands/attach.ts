import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

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
  container = Option.String({name: `CONTAINER`});

  async execute() {
    const r = await this.engine.attachContainer({
      container: this.container, noStdin: this.noStdin, stdin: this.context.stdin, stdout: this.context.stdout,
      stderr: this.context.stderr, detachKeys: this.detachKeys,
    });
    return r.exitCode ?? 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class HealthcheckRunCommand extends BaseCommand {
  static override paths = [[`healthcheck`, `run`]];
  static override usage = Command.Usage({
    description: `Run the health check of a container`,
    details: `Runs the container's health check once inside it and records the result (inspect's State.Health). Prints nothing and exits 0 when the check passes; prints \`unhealthy\` and exits 1 when it fails; exits 125 when the container is not running or has no health check.`,
    examples: [[`Check a container`, `$0 healthcheck run web`]],
  });

  ignoreResult = Option.Boolean(`--ignore-result`, false, {description: `Exit with code 0 regardless of the health check's result`});
  container = Option.String({name: `CONTAINER`});

  async execute() {
    const r = await this.engine.runHealthcheck({container: this.container});
    if (r.passed) return 0;
    this.out(`unhealthy`);
    return this.ignoreResult ? 0 : 1;
  }
}

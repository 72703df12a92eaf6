import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {reportBatch} from '../batch';
import {TspodError} from '../../engine/errors';

export default class RestartCommand extends BaseCommand {
  static override paths = [[`restart`], [`container`, `restart`]];
  static override usage = Command.Usage({
    description: `Restart one or more containers`,
    examples: [[`Restart a container`, `$0 restart web`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Restart all non-running containers`});
  running = Option.Boolean(`--running`, false, {description: `Restart only running containers`});
  time = Option.String(`-t,--time`, {description: `Seconds to wait for stop before killing the container (default 10)`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    if (!this.all && !this.running && this.containers.length === 0)
      throw new TspodError(`InvalidArgument`, `you must provide at least one container name or id`);
    const timeout = this.time === undefined ? undefined : Number(this.time);
    const r = await this.engine.restartContainers({containers: this.containers, all: this.all, running: this.running, timeout});
    for (const d of r.started) this.out(d.ref); // as given, as podman prints it
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {containerTargets} from '../targets';
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
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  cidfile = Option.Array(`--cidfile`, [], {description: `Read the container ID from the file`});
  filter = Option.Array(`--filter`, [], {description: `Filter the containers to act on (ps's filters: name, id, status, ancestor, label, exited)`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    const containers = await containerTargets(this.engine, {containers: this.containers, cidfiles: this.cidfile, latest: this.latest, filters: this.filter});
    if (!this.all && !this.running && containers.length === 0 && this.filter.length === 0)
      throw new TspodError(`InvalidArgument`, `you must provide at least one container name or id`);
    const timeout = this.time === undefined ? undefined : Number(this.time);
    const r = await this.engine.restartContainers({containers, all: this.all, running: this.running, timeout});
    for (const d of r.started) this.out(d.ref); // as given, as podman prints it
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {containerTargets} from '../targets';
import {reportBatch} from '../batch';
import {TspodError} from '../../engine/errors';

export default class KillCommand extends BaseCommand {
  static override paths = [[`kill`], [`container`, `kill`]];
  static override usage = Command.Usage({
    description: `Kill one or more running containers with a specific signal`,
    examples: [[`Send SIGHUP`, `$0 kill -s HUP web`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Signal all running containers`});
  signal = Option.String(`-s,--signal`, {description: `Signal to send to the container (default KILL)`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  cidfile = Option.Array(`--cidfile`, [], {description: `Read the container ID from the file`});
  filter = Option.Array(`--filter`, [], {description: `Filter the containers to act on (ps's filters: name, id, status, ancestor, label, exited)`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    const containers = await containerTargets(this.engine, {containers: this.containers, cidfiles: this.cidfile, latest: this.latest, filters: this.filter});
    if (!this.all && containers.length === 0 && this.filter.length === 0)
      throw new TspodError(`InvalidArgument`, `you must provide at least one container name or id`);
    const r = await this.engine.killContainers({containers, all: this.all, signal: this.signal});
    for (const d of r.done) this.out(d.ref);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

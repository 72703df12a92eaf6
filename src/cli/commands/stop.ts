import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {reportBatch} from '../batch';
import {TspodError} from '../../engine/errors';
import {containerTargets} from '../targets';

export default class StopCommand extends BaseCommand {
  static override paths = [[`stop`], [`container`, `stop`]];
  static override usage = Command.Usage({
    description: `Stop one or more containers`,
    details: `Sends the image's StopSignal (SIGTERM by default), then SIGKILL after the timeout. A stopped container is not restarted by its restart policy.`,
    examples: [[`Stop with a 2 second grace period`, `$0 stop -t 2 web`], [`Stop every running container`, `$0 stop --all`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Stop all running containers`});
  ignore = Option.Boolean(`-i,--ignore`, false, {description: `Ignore errors when a specified container is missing`});
  time = Option.String(`-t,--time`, {description: `Seconds to wait for stop before killing the container (default 10)`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  cidfile = Option.Array(`--cidfile`, [], {description: `Read the container ID from the file`});
  filter = Option.Array(`--filter`, [], {description: `Filter the containers to act on (ps's filters: name, id, status, ancestor, label, exited)`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    const containers = await containerTargets(this.engine, {containers: this.containers, cidfiles: this.cidfile, latest: this.latest, ignore: this.ignore, filters: this.filter});
    if (!this.all && containers.length === 0 && this.cidfile.length === 0 && this.filter.length === 0)
      throw new TspodError(`InvalidArgument`, `you must provide at least one container name or id`);
    const timeout = this.time === undefined ? undefined : Number(this.time);
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 0))
      throw new TspodError(`InvalidArgument`, `invalid argument "${this.time}" for "-t, --time" flag`);
    const r = await this.engine.stopContainers({containers, all: this.all, ignore: this.ignore, timeout});
    for (const d of r.done) this.out(d.ref);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

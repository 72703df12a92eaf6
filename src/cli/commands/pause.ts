import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {reportBatch} from '../batch';
import {containerTargets} from '../targets';
import {TspodError} from '../../engine/errors';

/** pause and unpause: the same targets (names, --latest, --cidfile, --filter, --all), one engine verb. */
export abstract class PauseBatchCommand extends BaseCommand {
  abstract all: boolean;
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  cidfile = Option.Array(`--cidfile`, [], {description: `Read the container ID from the file`});
  filter = Option.Array(`--filter`, [], {description: `Filter the containers to act on (ps's filters: name, id, status, ancestor, label, exited)`});
  containers = Option.Rest({name: `CONTAINER`});

  protected abstract readonly unpause: boolean;

  async execute() {
    const containers = await containerTargets(this.engine, {containers: this.containers, cidfiles: this.cidfile, latest: this.latest, filters: this.filter});
    if (!this.all && containers.length === 0 && this.filter.length === 0)
      throw new TspodError(`InvalidArgument`, `you must provide at least one container name or id`);
    const r = await this.engine.pauseContainers({containers, unpause: this.unpause, all: this.all});
    for (const d of r.done) this.out(d.ref);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

export default class PauseCommand extends PauseBatchCommand {
  static override paths = [[`pause`], [`container`, `pause`]];
  static override usage = Command.Usage({
    description: `Pause all the processes in one or more containers`,
    details: `Needs the cgroup v2 freezer; rootless containers on a cgroup v1 host are refused with podman's reason.`,
    examples: [[`Pause a container`, `$0 pause web`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Pause all containers`});
  protected get unpause() { return false; }
}

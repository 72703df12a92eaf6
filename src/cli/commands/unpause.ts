import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {reportBatch} from '../batch';

export default class UnpauseCommand extends BaseCommand {
  static override paths = [[`unpause`], [`container`, `unpause`]];
  static override usage = Command.Usage({
    description: `Unpause all the processes in one or more containers`,
    details: `Needs the cgroup v2 freezer; rootless containers on a cgroup v1 host are refused with podman's reason.`,
    examples: [[`Unpause a container`, `$0 unpause web`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Unpause all containers`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    const r = await this.engine.pauseContainers({containers: this.containers, unpause: true, all: this.all});
    for (const d of r.done) this.out(d.ref);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

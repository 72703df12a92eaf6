import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {reportBatch} from '../batch';

export default class PauseCommand extends BaseCommand {
  static override paths = [[`pause`], [`container`, `pause`]];
  static override usage = Command.Usage({
    description: `Pause all the processes in one or more containers`,
    details: `Needs the cgroup v2 freezer; rootless containers on a cgroup v1 host are refused with podman's reason.`,
    examples: [[`Pause a container`, `$0 pause web`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Pause all containers`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    const r = await this.engine.pauseContainers({containers: this.containers, unpause: false, all: this.all});
    for (const d of r.done) this.out(d.ref);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

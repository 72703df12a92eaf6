import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {reportBatch} from '../../batch';
import {TspodError} from '../../../engine/errors';

export default class PodRestartCommand extends BaseCommand {
  static override paths = [[`pod`, `restart`]];
  static override usage = Command.Usage({
    description: `Restart one or more pods`,
    details: `Stops the pod's containers, then starts them again, its infra container first.`,
    examples: [[`Restart one or more pods`, `$0 pod restart web`], [`Every pod`, `$0 pod restart --all`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Act on all pods`});
  pods = Option.Rest({name: `POD`});

  async execute() {
    if (this.all === (this.pods.length > 0))
      throw new TspodError(`InvalidArgument`, this.all ? `when using the --all flag, no pod names may be given` : `you must provide at least one name or id`);
    const r = await this.engine.restartPods({pods: this.pods, all: this.all});
    for (const id of r.done) this.out(id);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

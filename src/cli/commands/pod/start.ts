import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {reportBatch} from '../../batch';
import {TspodError} from '../../../engine/errors';

export default class PodStartCommand extends BaseCommand {
  static override paths = [[`pod`, `start`]];
  static override usage = Command.Usage({
    description: `Start one or more pods`,
    details: `Starts the pod's infra container first, then its other containers.`,
    examples: [[`Start one or more pods`, `$0 pod start web`], [`Every pod`, `$0 pod start --all`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Act on all pods`});
  pods = Option.Rest({name: `POD`});

  async execute() {
    if (this.all === (this.pods.length > 0))
      throw new TspodError(`InvalidArgument`, this.all ? `when using the --all flag, no pod names may be given` : `you must provide at least one name or id`);
    const r = await this.engine.startPods({pods: this.pods, all: this.all});
    for (const id of r.done) this.out(id);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

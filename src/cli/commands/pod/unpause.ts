import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {reportBatch} from '../../batch';
import {TspodError} from '../../../engine/errors';

export default class PodUnpauseCommand extends BaseCommand {
  static override paths = [[`pod`, `unpause`]];
  static override usage = Command.Usage({
    description: `Unpause one or more pods`,
    details: `Thaws every paused container of the pod.`,
    examples: [[`Unpause one or more pods`, `$0 pod unpause web`], [`Every pod`, `$0 pod unpause --all`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Act on all pods`});
  pods = Option.Rest({name: `POD`});

  async execute() {
    if (this.all === (this.pods.length > 0))
      throw new TspodError(`InvalidArgument`, this.all ? `when using the --all flag, no pod names may be given` : `you must provide at least one name or id`);
    const r = await this.engine.pausePods({pods: this.pods, all: this.all, unpause: true});
    for (const id of r.done) this.out(id);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

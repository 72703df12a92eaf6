import {Command} from 'clipanion';
import {PodBatchCommand} from './podBatch';
import type {PodSelection} from './podBatch';

export default class PodUnpauseCommand extends PodBatchCommand {
  static override paths = [[`pod`, `unpause`]];
  static override usage = Command.Usage({
    description: `Unpause one or more pods`,
    details: `Thaws every paused container of the pod.`,
    examples: [[`Unpause one or more pods`, `$0 pod unpause web`], [`Every pod`, `$0 pod unpause --all`]],
  });

  protected act(selection: PodSelection) {
    return this.engine.pausePods({...selection, unpause: true});
  }
}

import {Command} from 'clipanion';
import {PodBatchCommand} from './podBatch';
import type {PodSelection} from './podBatch';

export default class PodPauseCommand extends PodBatchCommand {
  static override paths = [[`pod`, `pause`]];
  static override usage = Command.Usage({
    description: `Pause one or more pods`,
    details: `Freezes every running container of the pod (needs a delegated cgroup v2, as pause does).`,
    examples: [[`Pause one or more pods`, `$0 pod pause web`], [`Every pod`, `$0 pod pause --all`]],
  });

  protected act(selection: PodSelection) {
    return this.engine.pausePods(selection);
  }
}

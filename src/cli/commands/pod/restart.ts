import {Command} from 'clipanion';
import {PodBatchCommand} from './podBatch';
import type {PodSelection} from './podBatch';

export default class PodRestartCommand extends PodBatchCommand {
  static override paths = [[`pod`, `restart`]];
  static override usage = Command.Usage({
    description: `Restart one or more pods`,
    details: `Stops the pod's containers, then starts them again, its infra container first.`,
    examples: [[`Restart one or more pods`, `$0 pod restart web`], [`Every pod`, `$0 pod restart --all`]],
  });

  protected act(selection: PodSelection) {
    return this.engine.restartPods(selection);
  }
}

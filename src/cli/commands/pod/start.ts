import {Command} from 'clipanion';
import {PodBatchCommand} from './podBatch';
import type {PodSelection} from './podBatch';

export default class PodStartCommand extends PodBatchCommand {
  static override paths = [[`pod`, `start`]];
  static override usage = Command.Usage({
    description: `Start one or more pods`,
    details: `Starts the pod's infra container first, then its other containers.`,
    examples: [[`Start one or more pods`, `$0 pod start web`], [`Every pod`, `$0 pod start --all`]],
  });

  protected act(selection: PodSelection) {
    return this.engine.startPods(selection);
  }
}

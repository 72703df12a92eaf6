import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {reportBatch} from '../../batch';
import {TspodError} from '../../../engine/errors';

export default class PodKillCommand extends BaseCommand {
  static override paths = [[`pod`, `kill`]];
  static override usage = Command.Usage({
    description: `Send a signal to the containers of one or more pods`,
    details: `The signal (SIGKILL by default) goes to every running container of the pod.`,
    examples: [[`Send a signal to the containers of one or more pods`, `$0 pod kill web`], [`Every pod`, `$0 pod kill --all`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Act on all pods`});
  signal = Option.String(`-s,--signal`, {description: `The signal to send (default KILL)`});
  pods = Option.Rest({name: `POD`});

  async execute() {
    if (this.all === (this.pods.length > 0))
      throw new TspodError(`InvalidArgument`, this.all ? `when using the --all flag, no pod names may be given` : `you must provide at least one name or id`);
    const r = await this.engine.killPods({pods: this.pods, all: this.all, signal: this.signal});
    for (const id of r.done) this.out(id);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

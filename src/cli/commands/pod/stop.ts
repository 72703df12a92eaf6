import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {reportBatch} from '../../batch';
import {TspodError} from '../../../engine/errors';

export default class PodStopCommand extends BaseCommand {
  static override paths = [[`pod`, `stop`]];
  static override usage = Command.Usage({
    description: `Stop one or more pods`,
    details: `Stops the pod's containers (each gets its stop signal, then SIGKILL after the timeout), its infra container last.`,
    examples: [[`Stop one or more pods`, `$0 pod stop web`], [`Every pod`, `$0 pod stop --all`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Act on all pods`});
  time = Option.String(`-t,--time`, {description: `Seconds to wait for each container to stop before killing it (default: the container's own, 10)`});
  ignore = Option.Boolean(`-i,--ignore`, false, {description: `Ignore errors when a pod does not exist`});
  pods = Option.Rest({name: `POD`});

  async execute() {
    if (this.all === (this.pods.length > 0))
      throw new TspodError(`InvalidArgument`, this.all ? `when using the --all flag, no pod names may be given` : `you must provide at least one name or id`);
    const r = await this.engine.stopPods({pods: this.pods, all: this.all, timeout: seconds(this.time), ignore: this.ignore});
    for (const id of r.done) this.out(id);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new TspodError(`InvalidArgument`, `invalid argument "${v}" for "-t, --time" flag: want a whole number of seconds`);
  return Number(v);
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {printErrors} from '../../batch';
import {isTspodError, TspodError} from '../../../engine/errors';

export default class PodRmCommand extends BaseCommand {
  static override paths = [[`pod`, `rm`], [`pod`, `remove`]];
  static override usage = Command.Usage({
    description: `Remove one or more stopped pods and their containers`,
    details: `A pod with a running container is refused unless -f is given, which stops and removes its containers first. Exits 1 when a pod does not exist, as podman does.`,
    examples: [[`Remove a stopped pod`, `$0 pod rm web`], [`Remove a running pod`, `$0 pod rm -f web`], [`Remove every pod`, `$0 pod rm -af`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Remove all pods`});
  force = Option.Boolean(`-f,--force`, false, {description: `Stop and remove running containers too; a pod that does not exist is no error`});
  ignore = Option.Boolean(`-i,--ignore`, false, {description: `Do not fail for a pod that does not exist`});
  time = Option.String(`-t,--time`, {description: `With -f, seconds to give each running container to stop before it is killed (default: killed at once)`});
  pods = Option.Rest({name: `POD`});

  async execute() {
    if (this.all === (this.pods.length > 0))
      throw new TspodError(`InvalidArgument`, this.all ? `when using the --all flag, no pod names may be given` : `you must provide at least one name or id`);
    if (this.time !== undefined && !/^\d+$/.test(this.time)) throw new TspodError(`InvalidArgument`, `invalid argument "${this.time}" for "-t, --time" flag: want a whole number of seconds`);
    const r = await this.engine.removePods({pods: this.pods, all: this.all, force: this.force, ignore: this.ignore, timeout: this.time === undefined ? undefined : Number(this.time)});
    for (const id of r.removed) this.out(id);
    printErrors(this.context.stderr, r.errors);
    if (r.errors.length === 0) return 0;
    return r.errors.some(e => isTspodError(e, `NoSuchPod`)) ? 1 : 125;
  }
}

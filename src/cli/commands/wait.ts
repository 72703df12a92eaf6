import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {containerTargets} from '../targets';
import {TspodError} from '../../engine/errors';

export default class WaitCommand extends BaseCommand {
  static override paths = [[`wait`], [`container`, `wait`]];
  static override usage = Command.Usage({
    description: `Block on one or more containers`,
    details: `Waits until each container reaches the condition (default: stopped) and prints its exit code.`,
    examples: [[`Wait for a container to exit`, `$0 wait web`], [`Wait until it runs`, `$0 wait --condition running web`]],
  });

  condition = Option.Array(`--condition`, [], {description: `Condition to wait on (default stopped)`});
  interval = Option.String(`-i,--interval`, {description: `Time interval to wait before polling for completion (e.g. 250ms)`});
  ignore = Option.Boolean(`--ignore`, false, {description: `Ignore if a container does not exist`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    if (this.latest) this.containers = await containerTargets(this.engine, {containers: this.containers, latest: true});
    if (this.containers.length === 0) throw new TspodError(`InvalidArgument`, `you must provide at least one container name or id`);
    let intervalMs: number | undefined;
    if (this.interval !== undefined) {
      const m = /^(\d+)(ms|s)?$/.exec(this.interval);
      if (!m) throw new TspodError(`InvalidArgument`, `invalid interval "${this.interval}"`);
      intervalMs = Number(m[1]) * (m[2] === `s` ? 1000 : 1);
    }
    const r = await this.engine.waitContainers({containers: this.containers, conditions: this.condition, ignore: this.ignore, ...(intervalMs ? {intervalMs} : {})});
    for (const x of r) this.out(String(x.exitCode));
    return 0;
  }
}

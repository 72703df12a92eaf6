import {Command, Option} from 'clipanion';
import {PauseBatchCommand} from './pause';

export default class UnpauseCommand extends PauseBatchCommand {
  static override paths = [[`unpause`], [`container`, `unpause`]];
  static override usage = Command.Usage({
    description: `Unpause all the processes in one or more containers`,
    details: `Needs the cgroup v2 freezer; rootless containers on a cgroup v1 host are refused with podman's reason.`,
    examples: [[`Unpause a container`, `$0 unpause web`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Unpause all containers`});
  protected get unpause() { return true; }
}

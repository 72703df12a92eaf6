import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {table} from '../humanize';
import {latestContainer} from '../targets';
import {TspodError} from '../../engine/errors';

export default class TopCommand extends BaseCommand {
  static override paths = [[`top`], [`container`, `top`]];
  static override usage = Command.Usage({
    description: `Display the running processes of a container`,
    details: `Descriptors: user, pid, ppid, pcpu, etime, tty, time, args, comm (default: all but comm).`,
    examples: [[`Processes`, `$0 top web`], [`Only pid and command`, `$0 top web pid args`]],
  });

  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  container = Option.String({name: `CONTAINER`, required: false});
  descriptors = Option.Rest({name: `DESCRIPTORS`});

  async execute() {
    // With -l no container is named: the first word is a descriptor.
    const words = [...(this.container !== undefined ? [this.container] : []), ...this.descriptors];
    const container = this.latest ? await latestContainer(this.engine) : words.shift();
    if (container === undefined) throw new TspodError(`InvalidArgument`, `top requires the name or ID of a container`, {hint: `or use --latest`});
    const [header, ...rows] = await this.engine.topContainer({container, descriptors: words});
    this.out(table(header!, rows));
    return 0;
  }
}

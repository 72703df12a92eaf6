import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {table} from '../humanize';

export default class TopCommand extends BaseCommand {
  static override paths = [[`top`], [`container`, `top`]];
  static override usage = Command.Usage({
    description: `Display the running processes of a container`,
    details: `Descriptors: user, pid, ppid, pcpu, etime, tty, time, args, comm (default: all but comm).`,
    examples: [[`Processes`, `$0 top web`], [`Only pid and command`, `$0 top web pid args`]],
  });

  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  container = Option.String({name: `CONTAINER`});
  descriptors = Option.Rest({name: `DESCRIPTORS`});

  async execute() {
    const [header, ...rows] = await this.engine.topContainer({container: this.container, descriptors: this.descriptors});
    this.out(table(header!, rows));
    return 0;
  }
}

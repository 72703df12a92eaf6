import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {table} from '../../humanize';

export default class PodTopCommand extends BaseCommand {
  static override paths = [[`pod`, `top`]];
  static override usage = Command.Usage({
    description: `Display the running processes of the containers in a pod`,
    details: `Descriptors as for \`top\`: user, pid, ppid, pcpu, etime, tty, time, args, comm (default: all but comm).`,
    examples: [[`Processes`, `$0 pod top web`], [`Only pid and command`, `$0 pod top web pid args`]],
  });

  pod = Option.String({name: `POD`});
  descriptors = Option.Rest({name: `DESCRIPTORS`});

  async execute() {
    const [header, ...rows] = await this.engine.topPod({pod: this.pod, descriptors: this.descriptors});
    this.out(table(header!, rows));
    return 0;
  }
}

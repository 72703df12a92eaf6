import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {table} from '../humanize';
import {latestContainer} from '../targets';
import {TspodError} from '../../engine/errors';

export default class TopCommand extends BaseCommand {
  static override paths = [[`top`], [`container`, `top`]];
  static override usage = Command.Usage({
    description: `Display the running processes of a container`,
    details: `Descriptors: user, huser, pid, hpid, ppid, pcpu, etime, tty, time, args, comm, state, nice, vsz (default: user pid ppid pcpu etime tty time args). Anything else is given to ps(1) in the container, as podman does (e.g. -eo pid,comm).`,
    examples: [[`Processes`, `$0 top web`], [`Only pid and command`, `$0 top web pid args`]],
  });

  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  container = Option.String({name: `CONTAINER`, required: false});
  // Everything after the container, dashes included: ps(1) options go to the container's ps.
  descriptors = Option.Proxy({name: `DESCRIPTORS|PS-OPTIONS`});

  async execute() {
    // With -l no container is named: the first word is a descriptor.
    const words = [...(this.container !== undefined ? [this.container] : []), ...this.descriptors];
    // The proxy takes top's own options too: they come first (podman's top has no others).
    let latest = this.latest;
    for (let w = words[0]; w === `-l` || w === `--latest` || w === `-h` || w === `--help`; w = words[0]) {
      words.shift();
      if (w === `-h` || w === `--help`) {
        // The class registered (main.ts may register a subclass with only the path typed).
        this.context.stdout.write(this.cli.usage(this.constructor as typeof TopCommand, {detailed: true}));
        return 0;
      }
      latest = true;
    }
    const container = latest ? await latestContainer(this.engine) : words.shift();
    if (container === undefined) throw new TspodError(`InvalidArgument`, `top requires the name or ID of a container`, {hint: `or use --latest`});
    const r = await this.engine.topContainer({container, descriptors: words});
    if (`raw` in r) this.context.stdout.write(r.raw);
    else this.out(table(r.table[0]!, r.table.slice(1)));
    return 0;
  }
}

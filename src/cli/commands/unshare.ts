import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {TspodError} from '../../engine/errors';

export default class UnshareCommand extends BaseCommand {
  static override paths = [[`unshare`]];
  static override usage = Command.Usage({
    description: `Run a command in a modified user namespace`,
    details: `Runs COMMAND (by default your shell) as root of a user namespace mapped like a container's: your user is root and your subordinate ids follow, so the files of your images and containers are yours to read, change or remove. The namespace has its own mounts. CONTAINERS_GRAPHROOT and CONTAINERS_RUNROOT name tspod's storage. The exit status is the command's.`,
    examples: [[`Who am I there`, `$0 unshare id`], [`The mapping`, `$0 unshare cat /proc/self/uid_map`], [`Remove a store the host user cannot`, `$0 unshare rm -rf ~/.local/share/tspod/storage`]],
  });

  rootlessNetns = Option.Boolean(`--rootless-netns`, false, {description: `Join the rootless network namespace (podman's, for its bridge networks; tspod has none)`});
  command = Option.Proxy({name: `COMMAND`});

  async execute() {
    // The proxy takes every word after `unshare`: the options before the command are read
    // here, as podman reads them (the command's own options are its own).
    let i = 0;
    for (; i < this.command.length; i++) {
      const a = this.command[i]!;
      if (a === `--rootless-netns` || a === `--rootless-cni`) this.rootlessNetns = true;
      else if (a === `-h` || a === `--help`) {
        this.context.stdout.write(this.cli.usage(UnshareCommand, {detailed: true}));
        return 0;
      } else if (a === `--`) { i++; break; } else break;
    }
    const command = this.command.slice(i);
    if (this.rootlessNetns)
      throw new TspodError(`Unsupported`, `--rootless-netns: tspod has no shared rootless network namespace (each container's network is its own: pasta, slirp4netns, host or none)`, {hint: `join a container's network with tspod exec, or run without --rootless-netns`});
    // Nothing is left to do after the command: tspod may become the helper (execve).
    return this.engine.unshare({command, inPlace: true});
  }
}

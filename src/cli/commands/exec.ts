import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {errorText} from '../errorText';

export default class ExecCommand extends BaseCommand {
  static override paths = [[`exec`], [`container`, `exec`]];
  static override usage = Command.Usage({
    description: `Run a process in a running container`,
    details: `Joins every namespace of the container's process and runs COMMAND with the container's environment, user and capabilities (or the given ones). The exit status is the command's; 125 means tspod failed, 126 the command cannot be invoked, 127 it was not found.`,
    examples: [[`A shell`, `$0 exec -it web sh`], [`As another user, elsewhere`, `$0 exec -u nobody -w /tmp web id`]],
  });

  interactive = Option.Boolean(`-i,--interactive`, false, {description: `Keep STDIN open even if not attached`});
  tty = Option.Boolean(`-t,--tty`, false, {description: `Allocate a pseudo-TTY`});
  detach = Option.Boolean(`-d,--detach`, false, {description: `Run the exec session in detached mode (backgrounded)`});
  env = Option.Array(`-e,--env`, [], {description: `Set environment variables`});
  user = Option.String(`-u,--user`, {description: `Sets the username or UID used and optionally the groupname or GID for the specified command`});
  workdir = Option.String(`-w,--workdir`, {description: `Working directory inside the container`});
  privileged = Option.Boolean(`--privileged`, false, {description: `Give the process extended Linux capabilities`});
  detachKeys = Option.String(`--detach-keys`, {description: `Select the key sequence for detaching (accepted for compatibility)`});
  container = Option.String({name: `CONTAINER`});
  command = Option.Proxy({name: `COMMAND`});

  async execute() {
    const r = await this.engine.execContainer({
      container: this.container, command: this.command, interactive: this.interactive, tty: this.tty, detach: this.detach,
      env: this.env, user: this.user, workdir: this.workdir, privileged: this.privileged, hostEnv: this.context.env,
      // Nothing is left to do after the command: tspod may become the helper (execve).
      inPlace: {errorText},
    });
    if (this.detach) {
      this.out(r.sessionId);
      return 0;
    }
    return r.exitCode;
  }
}

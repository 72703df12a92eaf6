import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {errorText} from '../errorText';
import {latestContainer} from '../targets';
import {TspodError} from '../../engine/errors';

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
  envFile = Option.Array(`--env-file`, [], {description: `Read in a file of environment variables`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  user = Option.String(`-u,--user`, {description: `Sets the username or UID used and optionally the groupname or GID for the specified command`});
  workdir = Option.String(`-w,--workdir`, {description: `Working directory inside the container`});
  privileged = Option.Boolean(`--privileged`, false, {description: `Give the process extended Linux capabilities`});
  preserveFds = Option.String(`--preserve-fds`, {description: `Pass down to the process N more file descriptors (3 to N+2)`});
  detachKeys = Option.String(`--detach-keys`, {description: `Select the key sequence for detaching (accepted for compatibility)`});
  container = Option.String({name: `CONTAINER`});
  command = Option.Proxy({name: `COMMAND`});

  async execute() {
    // With -l the first word is the command's: no container is named.
    const [container, command] = this.latest ? [await latestContainer(this.engine), [this.container, ...this.command]] : [this.container, this.command];
    if (command.length === 0) throw new TspodError(`InvalidArgument`, `exec requires the name or ID of a container and a command`, {hint: `e.g. tspod exec web sh`});
    const env = [...(this.envFile.length > 0 ? await envFromFiles(this.envFile) : []), ...this.env];
    const r = await this.engine.execContainer({
      container, command, interactive: this.interactive, tty: this.tty, detach: this.detach,
      env, user: this.user, workdir: this.workdir, privileged: this.privileged, hostEnv: this.context.env,
      ...(this.preserveFds !== undefined ? {preserveFds: this.preserveFds} : {}),
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

/** --env-file lines as -e words (KEY=VALUE, or KEY for this environment's value). */
async function envFromFiles(files: Array<string>): Promise<Array<string>> {
  const {parseEnvFile} = await import(`../../engine/run/options`);
  return files.flatMap(f => parseEnvFile(f, process.env)).map(([k, v]) => `${k}=${v}`);
}

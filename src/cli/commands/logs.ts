import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {TspodError} from '../../engine/errors';

export default class LogsCommand extends BaseCommand {
  static override paths = [[`logs`], [`container`, `logs`]];
  static override usage = Command.Usage({
    description: `Fetch the logs of one or more containers`,
    details: `Reads the container's k8s-file log, written by its monitor; works for running and exited containers.`,
    examples: [[`Follow a container's output`, `$0 logs -f web`], [`Last 10 lines with timestamps`, `$0 logs --tail 10 -t web`]],
  });

  follow = Option.Boolean(`-f,--follow`, false, {description: `Follow log output`});
  tail = Option.String(`-n,--tail`, {description: `Output the specified number of LINES at the end of the logs (-1 for all)`});
  since = Option.String(`--since`, {description: `Show logs since TIMESTAMP (RFC 3339, Unix seconds or a duration like 10m)`});
  until = Option.String(`--until`, {description: `Show logs until TIMESTAMP`});
  timestamps = Option.Boolean(`-t,--timestamps`, false, {description: `Output the timestamps in the log`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    let tail: number | undefined;
    if (this.tail !== undefined) {
      tail = Number(this.tail);
      if (!Number.isInteger(tail)) throw new TspodError(`InvalidArgument`, `invalid argument "${this.tail}" for "-n, --tail" flag`);
      if (tail < 0) tail = undefined;
    }
    let containers = this.containers;
    if (this.latest) {
      const [l] = await this.engine.listContainers({all: true, last: 1});
      if (!l) throw new TspodError(`NoSuchContainer`, `no containers to get the logs of`);
      containers = [l.Id];
    }
    const {stdout, stderr} = this.context;
    await this.engine.containerLogs({
      containers, follow: this.follow, tail, since: this.since, until: this.until, timestamps: this.timestamps,
      onLine: (stream, text, time) => (stream === `stderr` ? stderr : stdout).write(this.timestamps ? `${time} ${text}` : text),
    });
    return 0;
  }
}

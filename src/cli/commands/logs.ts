import {Command, Option} from 'clipanion';
import {latestContainer} from '../targets';
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
  tail = Option.String(`--tail`, {description: `Output the specified number of LINES at the end of the logs (-1 for all)`});
  since = Option.String(`--since`, {description: `Show logs since TIMESTAMP (RFC 3339, Unix seconds or a duration like 10m)`});
  until = Option.String(`--until`, {description: `Show logs until TIMESTAMP`});
  timestamps = Option.Boolean(`-t,--timestamps`, false, {description: `Output the timestamps in the log`});
  names = Option.Boolean(`-n,--names`, false, {description: `Output the container name in the log (with several containers; the ID otherwise)`});
  color = Option.Boolean(`--color`, false, {description: `Output the containers with different colors in the log`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    let tail: number | undefined;
    if (this.tail !== undefined) {
      tail = Number(this.tail);
      if (!Number.isInteger(tail)) throw new TspodError(`InvalidArgument`, `invalid argument "${this.tail}" for "--tail" flag`);
      if (tail < 0) tail = undefined;
    }
    let containers = this.containers;
    if (this.latest) {
      containers = [await latestContainer(this.engine)];
    }
    // podman: with several containers each line starts with its container's short ID (or name).
    const colors = new Map<string, string>();
    const prefix = (c: {id: string, name: string}) => {
      if (containers.length < 2) return ``;
      const label = this.names ? c.name : c.id.slice(0, 12);
      if (!this.color) return `${label} `;
      if (!colors.has(c.id)) colors.set(c.id, `\x1b[${31 + colors.size % 6}m`);
      return `${colors.get(c.id)}${label}\x1b[0m `;
    };
    const out = new LineBatcher(this.context);
    try {
      await this.engine.containerLogs({
        containers, follow: this.follow, tail, since: this.since, until: this.until, timestamps: this.timestamps,
        onLine: (stream, text, time, c) => out.write(stream, `${prefix(c)}${this.timestamps ? `${time} ${text}` : text}`),
      });
    } finally {
      out.flush();
    }
    return 0;
  }
}

/**
 * Consecutive lines to one stream go out in one write (a write per line was a syscall per
 * line); a switch of stream flushes, keeping stdout and stderr in order, and so does the
 * next turn of the event loop, so -f shows each poll's lines at once.
 */
class LineBatcher {
  private stream: `stdout` | `stderr` = `stdout`;
  private text = ``;
  private scheduled = false;

  constructor(private readonly io: {stdout: {write(s: string): unknown}, stderr: {write(s: string): unknown}}) {}

  write(stream: `stdout` | `stderr`, text: string): void {
    if (stream !== this.stream) this.flush();
    this.stream = stream;
    this.text += text;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.text === ``) return;
    this.io[this.stream].write(this.text);
    this.text = ``;
  }
}

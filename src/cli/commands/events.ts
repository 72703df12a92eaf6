import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {TspodError} from '../../engine/errors';
import {renderTemplate} from '../goTemplate';
import {goTimeString, humanLine} from '../../engine/events/record';
import type {TspodEvent} from '../../engine/events/record';

export default class EventsCommand extends BaseCommand {
  static override paths = [[`events`], [`system`, `events`]];
  static override usage = Command.Usage({
    description: `Show tspod events`,
    details: `Every tspod command appends the events it causes (container create, start, died, …; image pull, tag, …; volume create, …) to one log under the run root; this prints them and, unless --stream=false, follows the log until interrupted.`,
    examples: [
      [`Follow every event`, `$0 events`],
      [`What happened to one container, then exit`, `$0 events --stream=false --filter container=web`],
      [`Exits in the last 10 minutes, as JSON`, `$0 events --since 10m --filter event=died --format json`],
    ],
  });

  filter = Option.Array(`-f,--filter`, [], {description: `Filter output (container=, event=, image=, label=, type=, volume=)`});
  format = Option.String(`--format`, {description: `Format the output as json or a Go template ({{.Status}} {{.Name}})`});
  since = Option.String(`--since`, {description: `Show all events created since timestamp (RFC 3339, Unix seconds or a duration like 10m)`});
  until = Option.String(`--until`, {description: `Show all events created until timestamp`});
  stream = Option.Boolean(`--stream`, true, {description: `Keep following the log for new events (default true); --stream=false prints what is there and exits`});
  // A string that tolerates the bare flag: a boolean named --no-trunc cannot take podman's --no-trunc=false.
  noTrunc = Option.String(`--no-trunc`, {tolerateBoolean: true, description: `Do not truncate the output (default true)`});

  async execute() {
    const print = this.printer();
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once(`SIGINT`, stop);
    process.once(`SIGTERM`, stop);
    try {
      await this.engine.events({
        filters: this.filter, since: this.since, until: this.until, stream: this.stream, signal: abort.signal,
        onEvent: (e, line) => this.context.stdout.write(`${print(e, line)}\n`),
      });
    } finally {
      process.off(`SIGINT`, stop);
      process.off(`SIGTERM`, stop);
    }
    return 0;
  }

  private printer(): (e: TspodEvent, line: string) => string {
    const format = this.format;
    const noTrunc = this.noTrunc === undefined || this.noTrunc === true || this.noTrunc === `true`;
    if (this.noTrunc !== undefined && typeof this.noTrunc === `string` && !/^(true|false)$/.test(this.noTrunc))
      throw new TspodError(`InvalidArgument`, `invalid argument "${this.noTrunc}" for "--no-trunc" flag`, {hint: `use --no-trunc=true or --no-trunc=false`});
    if (format === undefined || format === ``) return e => humanLine(e, noTrunc);
    if (format === `json` || format === `{{json .}}`) return (_e, line) => line;
    const render = (e: TspodEvent) => renderTemplate(format, templateData(e));
    try {
      // A bad template fails before anything is printed.
      render({Status: `create`, Time: `1970-01-01T00:00:00Z`, Type: `container`, Attributes: {}});
    } catch (err) {
      throw new TspodError(`InvalidArgument`, `template: events: ${(err as Error).message}`, {hint: `name fields of an event: .ID .Image .Name .Status .Time .Type .Attributes .ContainerExitCode`});
    }
    return render;
  }
}

/** An event as a Go template sees podman's: every field present, Time as Go prints a time. */
function templateData(e: TspodEvent): Record<string, unknown> {
  return {
    ContainerExitCode: e.ContainerExitCode ?? 0, ID: e.ID ?? ``, Image: e.Image ?? ``, Name: e.Name ?? ``,
    Status: e.Status, Time: goTimeString(e.Time), Type: e.Type, Attributes: e.Attributes ?? {},
  };
}

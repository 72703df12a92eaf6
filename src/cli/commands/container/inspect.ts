import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {renderInspect} from '../../inspectFormat';
import {reportBatch} from '../../batch';
import {TspodError} from '../../../engine/errors';

export default class ContainerInspectCommand extends BaseCommand {
  static override paths = [[`container`, `inspect`]];
  static override usage = Command.Usage({
    description: `Display the configuration of a container`,
    details: `Prints podman's inspect document (Id, Name, State, Config, HostConfig, Mounts, NetworkSettings, …) as JSON, or one line per container with --format '{{.State.Pid}}'.`,
    examples: [[`Inspect a container`, `$0 container inspect web`], [`Its pid`, `$0 inspect --format '{{.State.Pid}}' web`]],
  });

  format = Option.String(`-f,--format`, {description: `Format the output to a Go template or json`});
  size = Option.Boolean(`-s,--size`, false, {description: `Display total file size`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    let refs = this.containers;
    if (this.latest) {
      const [l] = await this.engine.listContainers({all: true, last: 1});
      refs = l ? [l.Id] : [];
    }
    if (refs.length === 0) throw new TspodError(`InvalidArgument`, `no names or ids specified`);
    const r = await this.engine.inspectAny({names: refs, type: `container`, size: this.size});
    if (this.format === undefined || this.format === `json`) {
      this.json(r.found);
    } else {
      const lines = renderInspect(this.format, r.found, `field names are podman's: .State.Pid, .Name, .Config.Env, …`);
      if (lines.length) this.out(lines.join(`\n`));
    }
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

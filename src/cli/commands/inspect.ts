import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {renderInspect} from '../inspectFormat';
import {reportBatch} from '../batch';
import {TspodError} from '../../engine/errors';
import {INSPECT_TYPES} from '../../engine/verbs/inspectAny';
import type {InspectType} from '../../engine/verbs/inspectAny';

export default class InspectCommand extends BaseCommand {
  static override paths = [[`inspect`]];
  static override usage = Command.Usage({
    description: `Display the configuration of a container, image, volume or pod`,
    details: `Looks each name up as a container, then an image, then a volume, then a pod (--type narrows the search) and prints podman's inspect documents as one JSON array, or one line per object with --format.`,
    examples: [[`Inspect an image or a container`, `$0 inspect alpine`], [`A container's pid`, `$0 inspect --type container --format '{{.State.Pid}}' web`]],
  });

  format = Option.String(`-f,--format`, {description: `Format the output to a Go template or json`});
  type = Option.String(`-t,--type`, `all`, {description: `Only this kind of object: container, image, volume, pod or all`});
  size = Option.Boolean(`-s,--size`, false, {description: `Display total file size (containers)`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  names = Option.Rest({name: `NAME`});

  async execute() {
    if (!INSPECT_TYPES.includes(this.type as InspectType))
      throw new TspodError(`InvalidArgument`, `invalid --type "${this.type}"`, {hint: `use one of ${INSPECT_TYPES.join(`, `)}`});
    let names = this.names;
    let type = this.type as InspectType;
    if (this.latest) {
      const [l] = await this.engine.listContainers({all: true, last: 1});
      names = l ? [l.Id] : [];
      type = `container`;
    }
    if (names.length === 0) throw new TspodError(`InvalidArgument`, `no names or ids specified`, {hint: `name a container, image or volume, or use --latest`});
    const r = await this.engine.inspectAny({names, type, size: this.size});
    if (this.format === undefined || this.format === `json` || this.format === `{{json .}}`) {
      this.json(r.found);
    } else {
      const lines = renderInspect(this.format, r.found, `field names are podman's: .Id, .State.Pid, .Config.Cmd, …`);
      if (lines.length) this.out(lines.join(`\n`));
    }
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {renderInspect} from '../../inspectFormat';

export default class PodInspectCommand extends BaseCommand {
  static override paths = [[`pod`, `inspect`]];
  static override usage = Command.Usage({
    description: `Display information describing a pod`,
    examples: [[`Inspect a pod`, `$0 pod inspect web`], [`One field`, `$0 pod inspect --format '{{.State}}' web`]],
  });

  format = Option.String(`-f,--format`, {description: `Output format (json is the default, or a Go template)`});
  pod = Option.String({name: `POD`});

  async execute() {
    const doc = await this.engine.inspectPod(this.pod);
    // podman 4 prints a pod's document as one object, not a list.
    if (this.format === undefined || this.format === `json` || this.format === `{{json .}}`) this.json(doc);
    else for (const line of renderInspect(this.format, [doc], `fields: Id, Name, Created, State, Hostname, Labels, CreateInfra, InfraContainerID, SharedNamespaces, NumContainers, Containers`)) this.out(line);
    return 0;
  }
}

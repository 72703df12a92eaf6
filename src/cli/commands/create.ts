import {Command} from 'clipanion';
import {ContainerFlags} from './run';

export default class CreateCommand extends ContainerFlags {
  static override paths = [[`create`], [`container`, `create`]];
  static override usage = Command.Usage({
    description: `Create but do not start a container`,
    details: `Creates a container from IMAGE with the same flags as \`run\` (IMAGE may name a transport, as for \`run\`), saves its OCI runtime spec and prints its ID.`,
    examples: [[`Create a container`, `$0 create --name web alpine sleep 100`]],
  });

  async execute() {
    const r = await this.engine.createContainer(this.containerOptions());
    this.out(r.id);
    return 0;
  }
}

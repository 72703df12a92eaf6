import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class PodExistsCommand extends BaseCommand {
  static override paths = [[`pod`, `exists`]];
  static override usage = Command.Usage({
    description: `Check if a pod exists`,
    details: `Exits 0 when the pod exists, 1 when it does not, and 125 on any other error, as podman does.`,
    examples: [[`Check a pod`, `$0 pod exists web`]],
  });

  pod = Option.String({name: `POD`});

  async execute() {
    return (await this.engine.podExists(this.pod)) ? 0 : 1;
  }
}

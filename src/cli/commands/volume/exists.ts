import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class VolumeExistsCommand extends BaseCommand {
  static override paths = [[`volume`, `exists`]];
  static override usage = Command.Usage({
    description: `Check if the given volume exists`,
    details: `Exits 0 when the volume exists, 1 when it does not, and 125 on any other error, as podman does.`,
    examples: [[`Check a volume`, `$0 volume exists data`]],
  });

  name = Option.String({name: `VOLUME`});

  async execute() {
    return (await this.engine.volumeExists(this.name)) ? 0 : 1;
  }
}

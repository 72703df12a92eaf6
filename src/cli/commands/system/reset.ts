import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class SystemResetCommand extends BaseCommand {
  static override paths = [[`system`, `reset`]];
  static override usage = Command.Usage({
    description: `Reset tspod storage back to the initial state`,
    details: `Removes every image, container and layer: the graph root and the run root. Layer files belong to subordinate ids, so the removal runs inside the user namespace.`,
    examples: [[`Reset without asking`, `$0 system reset -f`]],
  });

  force = Option.Boolean(`-f,--force`, false, {description: `Do not prompt for confirmation`});

  async execute() {
    if (!this.force) {
      if (!await this.confirm(`WARNING! This will remove all images, containers and layers.\nAre you sure you want to continue? [y/N] `)) return 0;
    }
    await this.engine.systemReset();
    return 0;
  }
}

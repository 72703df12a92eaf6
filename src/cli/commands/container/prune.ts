import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {reportBatch} from '../../batch';

export default class ContainerPruneCommand extends BaseCommand {
  static override paths = [[`container`, `prune`]];
  static override usage = Command.Usage({
    description: `Remove all non running containers`,
    examples: [[`Prune without asking`, `$0 container prune -f`]],
  });

  force = Option.Boolean(`-f,--force`, false, {description: `Do not prompt for confirmation`});
  filter = Option.Array(`--filter`, [], {description: `Prune only what matches: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE]`});

  async execute() {
    // podman asks first (a script without -f reads EOF: nothing is removed).
    if (!this.force && !await this.confirm(`WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] `)) return 0;
    const r = await this.engine.pruneContainers({filters: this.filter});
    for (const d of r.removed) this.out(d.id);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

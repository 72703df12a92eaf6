import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class VolumePruneCommand extends BaseCommand {
  static override paths = [[`volume`, `prune`]];
  static override usage = Command.Usage({
    description: `Remove all unused volumes`,
    examples: [[`Remove unused volumes`, `$0 volume prune -f`]],
  });

  force = Option.Boolean(`-f,--force`, false, {description: `Do not prompt for confirmation`});
  filter = Option.Array(`--filter`, [], {description: `Prune only what matches: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE]`});

  async execute() {
    if (!this.force) {
      // podman names them, then asks (a script without -f reads EOF: nothing is removed).
      const unused = await this.engine.listVolumes({filters: [`dangling=true`]});
      const ok = await this.confirm(`WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n${unused.map(v => `${v.Name}\n`).join(``)}Are you sure you want to continue? [y/N] `);
      if (!ok) return 0;
    }
    const r = await this.engine.pruneVolumes({filters: this.filter});
    for (const n of r.removed) this.out(n);
    return 0;
  }
}

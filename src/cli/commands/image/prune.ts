import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class ImagePruneCommand extends BaseCommand {
  static override paths = [[`image`, `prune`]];
  static override usage = Command.Usage({
    description: `Remove unused images`,
    details: `Removes dangling images (no name); with --all, every image no container uses. Without --force it asks first on a terminal and refuses otherwise.`,
    examples: [[`Remove dangling images`, `$0 image prune -f`], [`Remove every unused image`, `$0 image prune -a -f`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Remove all images not in use by containers, not just dangling ones`});
  force = Option.Boolean(`-f,--force`, false, {description: `Do not prompt for confirmation`});
  filter = Option.Array(`--filter`, [], {description: `Prune only what matches: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE]`});

  async execute() {
    if (!this.force) {
      const ok = await this.confirm(this.all
        ? `WARNING! This command removes all images without at least one container associated with them.\nAre you sure you want to continue? [y/N] `
        : `WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] `);
      if (!ok) return 0;
    }
    const report = await this.engine.pruneImages({all: this.all, filters: this.filter});
    for (const id of report.deleted) this.out(id);
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {reportBatch} from '../../batch';

export default class SystemPruneCommand extends BaseCommand {
  static override paths = [[`system`, `prune`]];
  static override usage = Command.Usage({
    description: `Remove unused data`,
    details: `Removes every stopped pod and every stopped container, then dangling images (with --all, every image no container uses), and with --volumes every volume no container uses. Without --force it asks first, and refuses when nobody answers.`,
    examples: [[`Prune without asking`, `$0 system prune -f`], [`Everything unused, volumes too`, `$0 system prune -a --volumes -f`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Remove all unused images, not only dangling ones`});
  force = Option.Boolean(`-f,--force`, false, {description: `Do not prompt for confirmation`});
  volumes = Option.Boolean(`--volumes`, false, {description: `Prune volumes too`});
  filter = Option.Array(`--filter`, [], {description: `Prune only what matches: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE]`});

  async execute() {
    if (!this.force) {
      const what = [`all stopped containers`, `all stopped pods and their containers`, ...(this.volumes ? [`all volumes not used by at least one container`] : []), this.all ? `all images without at least one container associated with them` : `all dangling images`];
      if (!await this.confirm(`WARNING! This command removes:\n${what.map(w => `\t- ${w}\n`).join(``)}\nAre you sure you want to continue? [y/N] `)) return 0;
    }
    // Pods first, as podman: their containers go with them (container prune leaves infra containers alone).
    const pods = await this.engine.prunePods();
    this.section(`Deleted Pods`, pods.removed);
    const containers = await this.engine.pruneContainers({filters: this.filter});
    this.section(`Deleted Containers`, containers.removed.map(c => c.id));
    if (this.volumes) this.section(`Deleted Volumes`, (await this.engine.pruneVolumes({filters: this.filter})).removed);
    this.section(`Deleted Images`, (await this.engine.pruneImages({all: this.all, filters: this.filter})).deleted);
    reportBatch(this.context.stderr, [...pods.errors, ...containers.errors]);
    return 0;
  }

  /** podman prints a heading only over a non-empty list. */
  private section(heading: string, lines: ReadonlyArray<string>): void {
    if (lines.length > 0) this.out([heading, ...lines].join(`\n`));
  }
}

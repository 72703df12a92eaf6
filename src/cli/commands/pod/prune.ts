import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {reportBatch} from '../../batch';

export default class PodPruneCommand extends BaseCommand {
  static override paths = [[`pod`, `prune`]];
  static override usage = Command.Usage({
    description: `Remove all stopped pods and their containers`,
    details: `Removes the pods whose status is Exited or Stopped, and pods a killed \`pod create\` left half-made.`,
    examples: [[`Without asking`, `$0 pod prune -f`]],
  });

  force = Option.Boolean(`-f,--force`, false, {description: `Do not ask for confirmation`});

  async execute() {
    if (!this.force && !await this.confirm(`WARNING! This will remove every stopped or exited pod, and its containers.\nAre you sure you want to continue? [y/N] `)) return 0;
    const r = await this.engine.prunePods();
    for (const id of r.removed) this.out(id);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

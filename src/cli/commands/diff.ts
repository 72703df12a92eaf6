import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

const KIND = [`C`, `A`, `D`];

export default class DiffCommand extends BaseCommand {
  static override paths = [[`diff`], [`container`, `diff`]];
  static override usage = Command.Usage({
    description: `Display the changes to the object's file system`,
    details: `A: added, C: changed, D: deleted, from the container's writable layer.`,
    examples: [[`Show changes`, `$0 diff web`]],
  });

  format = Option.String(`--format`, {description: `Change the output format (json)`});
  container = Option.String({name: `CONTAINER`});

  async execute() {
    const changes = await this.engine.diffContainer({container: this.container});
    if (this.format === `json`) {
      const pick = (k: number) => changes.filter(c => c.Kind === k).map(c => c.Path);
      this.out(JSON.stringify({changed: pick(0), added: pick(1), deleted: pick(2)}, null, 4));
    } else {
      for (const c of changes) this.out(`${KIND[c.Kind]} ${c.Path}`);
    }
    return 0;
  }
}

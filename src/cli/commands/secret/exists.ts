import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class SecretExistsCommand extends BaseCommand {
  static override paths = [[`secret`, `exists`]];
  static override usage = Command.Usage({
    description: `Check if a secret exists`,
    details: `Exits 0 when the secret exists, 1 when it does not.`,
    examples: [[`Check a secret`, `$0 secret exists db-pass`]],
  });

  ref = Option.String({name: `SECRET`});

  async execute() {
    return (await this.engine.secretExists(this.ref)) ? 0 : 1;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {printErrors} from '../../batch';
import {TspodError} from '../../../engine/errors';

export default class SecretRmCommand extends BaseCommand {
  static override paths = [[`secret`, `rm`], [`secret`, `remove`]];
  static override usage = Command.Usage({
    description: `Remove one or more secrets`,
    details: `Containers already given the secret keep their copy.`,
    examples: [[`Remove a secret`, `$0 secret rm db-pass`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Remove all secrets`});
  ignore = Option.Boolean(`-i,--ignore`, false, {description: `Ignore errors when a specified secret is missing`});
  refs = Option.Rest({name: `SECRET`});

  async execute() {
    if (!this.all && this.refs.length === 0) throw new TspodError(`InvalidArgument`, `at least one secret name or id must be given, or --all`);
    const r = await this.engine.removeSecrets({refs: this.refs, all: this.all, ignore: this.ignore});
    for (const id of r.removed) this.out(id);
    printErrors(this.context.stderr, r.errors);
    return r.errors.length > 0 ? 125 : 0;
  }
}

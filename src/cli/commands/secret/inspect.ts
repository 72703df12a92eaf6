import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {printErrors} from '../../batch';
import {renderTemplate} from '../../goTemplate';

export default class SecretInspectCommand extends BaseCommand {
  static override paths = [[`secret`, `inspect`]];
  static override usage = Command.Usage({
    description: `Inspect a secret`,
    details: `The secret's record as JSON; its data only with --showsecret.`,
    examples: [[`Inspect a secret`, `$0 secret inspect db-pass`]],
  });

  format = Option.String(`-f,--format`, {description: `Format the output: json, or a Go template ({{.Spec.Name}})`});
  showSecret = Option.Boolean(`--showsecret`, false, {description: `Display the secret's data`});
  all = Option.Boolean(`-a,--all`, false, {description: `Inspect all secrets`});
  refs = Option.Rest({name: `SECRET`});

  async execute() {
    const refs = this.all ? (await this.engine.listSecrets()).map(s => s.ID) : this.refs;
    const r = await this.engine.inspectSecrets({refs, showSecret: this.showSecret});
    if (this.format !== undefined && this.format !== `json` && this.format !== `{{json .}}`) {
      for (const s of r.found) this.out(renderTemplate(this.format, s));
    } else {
      this.json(r.found);
    }
    printErrors(this.context.stderr, r.errors);
    return r.errors.length > 0 ? 125 : 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {formatRows} from '../../templateRows';
import {table, timeAgo} from '../../humanize';

export default class SecretLsCommand extends BaseCommand {
  static override paths = [[`secret`, `ls`], [`secret`, `list`]];
  static override usage = Command.Usage({
    description: `List secrets`,
    examples: [[`List secrets`, `$0 secret ls`], [`Names only`, `$0 secret ls --format '{{.Name}}'`]],
  });

  filter = Option.Array(`-f,--filter`, [], {description: `Filter secret output: name=, id=`});
  format = Option.String(`--format`, {description: `Format the output: json, or a Go template ({{.ID}} {{.Name}} {{.Driver}} {{.CreatedAt}} {{.UpdatedAt}})`});
  noheading = Option.Boolean(`--noheading`, false, {description: `Do not print headers`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Print secret IDs only`});

  async execute() {
    const secrets = await this.engine.listSecrets({filters: this.filter});
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.json(secrets);
      return 0;
    }
    if (this.quiet) {
      if (secrets.length) this.out(secrets.map(s => s.ID).join(`\n`));
      return 0;
    }
    const now = Date.now();
    const rows = secrets.map(s => ({...s, Name: s.Spec.Name, Driver: s.Spec.Driver.Name, CreatedAt: timeAgo(s.CreatedAt, now), UpdatedAt: timeAgo(s.UpdatedAt, now), Labels: s.Spec.Labels}));
    if (this.format !== undefined) {
      const text = formatRows(this.format, rows, {ID: `ID`, Name: `NAME`, Driver: `DRIVER`, CreatedAt: `CREATED`, UpdatedAt: `UPDATED`});
      if (rows.length > 0 || this.format.startsWith(`table`)) this.out(this.noheading && this.format.startsWith(`table`) ? text.split(`\n`).slice(1).join(`\n`) : text);
      return 0;
    }
    const lines = table([`ID`, `NAME`, `DRIVER`, `CREATED`, `UPDATED`], rows.map(r => [r.ID, r.Name, r.Driver, r.CreatedAt, r.UpdatedAt]));
    this.out(this.noheading ? lines.split(`\n`).slice(1).join(`\n`) : lines);
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {humanSize, table, timeAgo} from '../humanize';

export default class HistoryCommand extends BaseCommand {
  static override paths = [[`history`], [`image`, `history`]];
  static override usage = Command.Usage({
    description: `Show history of a specified image`,
    details: `Newest step first, as podman prints it; steps that made no layer show <missing> as ID.`,
    examples: [[`History of alpine`, `$0 history alpine`], [`As JSON`, `$0 history --format json alpine`]],
  });

  noTrunc = Option.Boolean(`--no-trunc`, false, {description: `Do not truncate the output`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Display the numeric IDs only`});
  human = Option.Boolean(`-H,--human`, true, {description: `Display sizes and dates in human readable format`});
  format = Option.String(`--format`, {description: `Change the output to JSON`});
  image = Option.String({name: `image`});

  async execute() {
    const entries = await this.engine.imageHistory({image: this.image});
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.out(JSON.stringify(entries));
      return 0;
    }
    const id = (s: string) => s === `<missing>` || this.noTrunc ? s : s.slice(0, 12);
    if (this.quiet) {
      for (const e of entries) this.out(id(e.id));
      return 0;
    }
    const rows = entries.map(e => {
      let by = e.CreatedBy;
      if (!this.noTrunc && by.length > 45) by = `${by.slice(0, 42)}...`;
      return [id(e.id), this.human ? timeAgo(e.created) : e.created, by, this.human ? humanSize(e.size) : String(e.size), e.Comment ?? ``];
    });
    this.out(table([`ID`, `CREATED`, `CREATED BY`, `SIZE`, `COMMENT`], rows));
    return 0;
  }
}

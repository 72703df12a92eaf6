import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class SystemCheckCommand extends BaseCommand {
  static override paths = [[`system`, `check`]];
  static override usage = Command.Usage({
    description: `Check storage consistency`,
    details: `Looks for incomplete layers, layer records without files and files without records, writable layers no container owns, images whose layers or blobs are missing and, unless --quick, image blobs that no longer match their digest. With --repair, removes what is damaged. Exits 125 when problems remain.`,
    examples: [[`Check`, `$0 system check`], [`Check and repair`, `$0 system check --repair`]],
  });

  repair = Option.Boolean(`-r,--repair`, false, {description: `Remove inconsistent images and layers`});
  quick = Option.Boolean(`-q,--quick`, false, {description: `Skip time-consuming checks (blob digests)`});
  format = Option.String(`--format`, {description: `Change the output format to JSON`});

  async execute() {
    const report = await this.engine.systemCheck({repair: this.repair, quick: this.quick});
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.json(report);
    } else if (report.problems.length === 0) {
      this.out(`No problems found`);
    } else {
      for (const p of report.problems) this.out(`${p.repaired ? `repaired` : `found`}: ${p.what}`);
    }
    return report.problems.some(p => !p.repaired) ? 125 : 0;
  }
}

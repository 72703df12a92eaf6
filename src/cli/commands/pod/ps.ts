import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {table, timeAgo} from '../../humanize';
import {formatRows} from '../../templateRows';
import type {PodPsEntry} from '../../../engine/verbs/podList';

export default class PodPsCommand extends BaseCommand {
  static override paths = [[`pod`, `ps`], [`pod`, `ls`], [`pod`, `list`]];
  static override usage = Command.Usage({
    description: `List pods`,
    details: `A pod's status comes from its containers': Created (none ever ran), Running (all run), Degraded (some run), Paused, Exited (all exited), Stopped (some exited, the others never ran).`,
    examples: [[`List pods`, `$0 pod ps`], [`As JSON`, `$0 pod ps --format json`], [`Ids of running pods`, `$0 pod ps -q --filter status=running`]],
  });

  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Print the pod IDs only`});
  noTrunc = Option.Boolean(`--no-trunc`, false, {description: `Do not truncate the IDs`});
  filter = Option.Array(`-f,--filter`, [], {description: `Filter output: name=, id=, status=, label=KEY[=VALUE]`});
  format = Option.String(`--format`, {description: `Pretty-print pods to JSON or using a Go template`});
  noheading = Option.Boolean(`--noheading`, false, {description: `Do not print headers`});
  ctrNames = Option.Boolean(`--ctr-names`, false, {description: `Display the names of the containers in the pod`});
  ctrIds = Option.Boolean(`--ctr-ids`, false, {description: `Display the IDs of the containers in the pod`});
  ctrStatus = Option.Boolean(`--ctr-status`, false, {description: `Display the statuses of the containers in the pod`});

  async execute() {
    const pods = await this.engine.listPods({filters: this.filter});
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.json(pods);
      return 0;
    }
    const id = (s: string) => this.noTrunc ? s : s.slice(0, 12);
    if (this.quiet) {
      if (pods.length) this.out(pods.map(p => id(p.Id)).join(`\n`));
      return 0;
    }
    const now = Date.now();
    if (this.format !== undefined) {
      const rows = pods.map(p => ({...p, ID: id(p.Id), InfraID: id(p.InfraId), Created: timeAgo(p.Created, now), NumberOfContainers: String(p.Containers.length), Labels: p.Labels}));
      if (rows.length > 0 || this.format.startsWith(`table`)) {
        const text = formatRows(this.format, rows, {ID: `POD ID`, InfraID: `INFRA ID`, NumberOfContainers: `# OF CONTAINERS`});
        this.out(this.noheading && this.format.startsWith(`table`) ? text.split(`\n`).slice(1).join(`\n`) : text);
      }
      return 0;
    }
    const header = [`POD ID`, `NAME`, `STATUS`, `CREATED`, `INFRA ID`];
    const ctrCols = (p: PodPsEntry) => [
      ...(this.ctrIds ? [p.Containers.map(c => id(c.Id)).join(`,`)] : []),
      ...(this.ctrNames ? [p.Containers.map(c => c.Names).join(`,`)] : []),
      ...(this.ctrStatus ? [p.Containers.map(c => c.Status).join(`,`)] : []),
    ];
    if (this.ctrIds) header.push(`IDS`);
    if (this.ctrNames) header.push(`NAMES`);
    if (this.ctrStatus) header.push(`STATUS`);
    const detail = this.ctrIds || this.ctrNames || this.ctrStatus;
    if (!detail) header.push(`# OF CONTAINERS`);
    const rows = pods.map(p => [id(p.Id), p.Name, p.Status, timeAgo(p.Created, now), id(p.InfraId), ...(detail ? ctrCols(p) : [String(p.Containers.length)])]);
    const text = table(header, rows);
    this.out(this.noheading ? text.split(`\n`).slice(1).join(`\n`) : text);
    return 0;
  }
}

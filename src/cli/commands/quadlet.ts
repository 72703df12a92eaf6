import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

export default class QuadletCommand extends BaseCommand {
  static override paths = [[`quadlet`]];
  static override usage = Command.Usage({
    description: `Generate systemd user units from Quadlet .container files`,
    details: `Reads the .container files in ~/.config/containers/systemd, /etc/containers/systemd/users/UID and /etc/containers/systemd/users, and turns each into a .service unit that runs the container with tspod inside the unit's cgroup (--cgroups split) and tells systemd when it is ready. With OUTPUT_DIR (as the systemd user generator calls it) the units are written there; with --dryrun they are printed.`,
    examples: [[`Show the units`, `$0 quadlet --dryrun`], [`As the systemd user generator`, `$0 quadlet --user /run/user/1000/systemd/generator`]],
  });

  dryrun = Option.Boolean(`--dryrun,-dryrun`, false, {description: `Print the units instead of writing them`});
  user = Option.Boolean(`--user,-user`, true, {description: `Generate user units (the only kind rootless tspod makes)`});
  unitDir = Option.Array(`--unit-dir`, [], {description: `Also read .container files from this folder (first)`});
  outputs = Option.Rest({name: `OUTPUT_DIR`});

  async execute() {
    const units = await this.engine.quadlet({dryrun: this.dryrun || this.outputs.length === 0, outputDir: this.outputs[0], dirs: this.unitDir});
    if (this.dryrun || this.outputs.length === 0) for (const u of units) this.out(`---${u.service}---\n${u.text}`);
    return 0;
  }
}

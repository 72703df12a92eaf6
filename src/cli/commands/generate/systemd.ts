import {Command, Option} from 'clipanion';
import {writeFileSync} from 'node:fs';
import {resolve} from 'node:path';
import {BaseCommand} from '../../BaseCommand';
import {TspodError} from '../../../engine/errors';

export default class GenerateSystemdCommand extends BaseCommand {
  static override paths = [[`generate`, `systemd`]];
  static override usage = Command.Usage({
    description: `Generate systemd units`,
    details: `Prints (or with --files writes) a systemd user unit that runs the container afresh at each start from the command that created it (--new, the only kind tspod makes): run -d --replace under Type=notify, stopped and removed through its --cidfile. Quadlet .container files (tspod quadlet) are the newer way.`,
    examples: [[`A unit for a container`, `$0 generate systemd --new --name web`], [`Written to ./container-web.service`, `$0 generate systemd --new --name --files web`]],
  });

  newUnit = Option.Boolean(`--new`, false, {description: `Create a new container at each start instead of starting an existing one`});
  useName = Option.Boolean(`-n,--name`, false, {description: `Use container names instead of IDs`});
  files = Option.Boolean(`-f,--files`, false, {description: `Generate .service files instead of printing to stdout`});
  restartPolicy = Option.String(`--restart-policy`, {description: `Systemd restart-policy (default on-failure)`});
  restartSec = Option.String(`--restart-sec`, {description: `Systemd RestartSec`});
  time = Option.String(`-t,--time,--stop-timeout`, {description: `Stop timeout override (default 10)`});
  prefix = Option.String(`--container-prefix`, {description: `Systemd unit name prefix for containers (default container)`});
  separator = Option.String(`--separator`, {description: `Systemd unit name separator between name/id and prefix (default -)`});
  noHeader = Option.Boolean(`--no-header`, false, {description: `Skip header generation`});
  after = Option.Array(`--after`, [], {description: `Add the unit's After= dependencies (appended to the defaults)`});
  wants = Option.Array(`--wants`, [], {description: `Add the unit's Wants= dependencies`});
  requires = Option.Array(`--requires`, [], {description: `Add the unit's Requires= dependencies`});
  env = Option.Array(`-e,--env`, [], {description: `Set environment variables in the unit (KEY=VALUE, or KEY for this environment's value)`});
  startTimeout = Option.String(`--start-timeout`, {description: `Start timeout override (TimeoutStartSec=)`});
  format = Option.String(`--format`, {description: `Print the unit as JSON ({name: text}) with json`});
  container = Option.String({name: `CONTAINER`});

  async execute() {
    if (!this.newUnit)
      throw new TspodError(`Unsupported`, `tspod generates only --new units (the container is created at each start)`, {hint: `add --new, or write a Quadlet .container file (tspod quadlet)`});
    const num = (flag: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw new TspodError(`InvalidArgument`, `invalid argument "${v}" for "${flag}" flag`);
      return Number(v);
    };
    const unit = await this.engine.generateSystemd({
      container: this.container, useName: this.useName, restartPolicy: this.restartPolicy, restartSec: num(`--restart-sec`, this.restartSec),
      stopTimeout: num(`--time`, this.time), prefix: this.prefix, separator: this.separator, noHeader: this.noHeader,
      after: this.after, wants: this.wants, requires: this.requires, env: this.env, hostEnv: this.context.env, startTimeout: num(`--start-timeout`, this.startTimeout),
    });
    if (this.format !== undefined && this.format !== `json`)
      throw new TspodError(`InvalidArgument`, `unsupported format "${this.format}"`, {hint: `use --format json`});
    if (this.format === `json`) {
      // podman: the unit's name and text, with --files too (no file is written then).
      this.json({[unit.name.replace(/\.service$/, ``)]: unit.text});
      return 0;
    }
    if (!this.files) {
      this.out(unit.text);
      return 0;
    }
    const path = resolve(unit.name);
    writeFileSync(path, unit.text);
    this.out(path);
    return 0;
  }
}

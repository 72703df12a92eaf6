import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import type {TspodContext} from '../BaseCommand';
import {VERSION} from '../../version';
import {renderTemplate} from '../goTemplate';

export class VersionFlagCommand extends Command<TspodContext> {
  static override paths = [[`--version`], [`-v`]];
  static override usage = Command.Usage({description: `print the version and exit`});
  async execute() {
    this.context.stdout.write(`tspod version ${VERSION}\n`);
    return 0;
  }
}

export default class VersionCommand extends BaseCommand {
  static override paths = [[`version`]];
  static override usage = Command.Usage({
    description: `Display the tspod version information`,
    examples: [[`Show the version`, `$0 version`], [`As JSON`, `$0 version --format json`]],
  });

  format = Option.String(`-f,--format`, {description: `Change the output format to JSON or a Go template ({{.Client.Version}})`});

  async execute() {
    const report = {
      Client: {
        APIVersion: VERSION,
        Version: VERSION,
        NodeVersion: process.version,
        OsArch: `${process.platform}/${process.arch === `x64` ? `amd64` : process.arch}`,
        Os: process.platform,
        GoVersion: ``, GitCommit: ``, BuiltTime: ``, Built: 0,
      },
    };
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.json(report);
      return 0;
    }
    if (this.format !== undefined) {
      // Scripts ask `{{.Client.Version}}` (there is no server: tspod has no service).
      this.out(renderTemplate(this.format, report));
      return 0;
    }
    const c = report.Client;
    this.out([
      `Client:       tspod`,
      `Version:      ${c.Version}`,
      `API Version:  ${c.APIVersion}`,
      `Node Version: ${c.NodeVersion}`,
      `OS/Arch:      ${c.OsArch}`,
    ].join(`\n`));
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {renderInspect} from '../../inspectFormat';

export default class ImageInspectCommand extends BaseCommand {
  static override paths = [[`image`, `inspect`]];
  static override usage = Command.Usage({
    description: `Display the configuration of an image`,
    details: `Prints a JSON array with one object per image, with podman's fields. An unknown image fails with exit 125 after printing the ones found.`,
    examples: [[`Inspect alpine`, `$0 image inspect alpine`]],
  });

  format = Option.String(`-f,--format`, {description: `Format the output to a Go template (e.g. '{{.Id}}') or json (the default)`});
  images = Option.Rest({required: 1, name: `image`});

  async execute() {
    const report = await this.engine.inspectImages({images: this.images});
    if (this.format === undefined || this.format === `json` || this.format === `{{json .}}`) {
      this.json(report.images);
    } else {
      const lines = renderInspect(this.format, report.images, `field names are podman's: .Id, .RepoTags, .Config.Cmd, …`);
      if (lines.length > 0) this.out(lines.join(`\n`));
    }
    for (const e of report.errors) this.context.stderr.write(`Error: ${e.message}\n`);
    return report.errors.length > 0 ? 125 : 0;
  }
}

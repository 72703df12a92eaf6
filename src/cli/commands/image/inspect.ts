import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {renderInspect} from '../../inspectFormat';
import {reportBatch} from '../../batch';

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
    const report = await this.engine.inspectAny({names: this.images, type: `image`});
    if (this.format === undefined || this.format === `json` || this.format === `{{json .}}`) {
      this.json(report.found);
    } else {
      const lines = renderInspect(this.format, report.found, `field names are podman's: .Id, .RepoTags, .Config.Cmd, …`);
      if (lines.length > 0) this.out(lines.join(`\n`));
    }
    reportBatch(this.context.stderr, report.errors);
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {createReadStream} from 'node:fs';
import {BaseCommand} from '../../BaseCommand';
import {TspodError} from '../../../engine/errors';

export default class VolumeImportCommand extends BaseCommand {
  static override paths = [[`volume`, `import`]];
  static override usage = Command.Usage({
    description: `Import a tarball contents into a volume`,
    details: `Unpacks a tar (a file, or - for stdin) into an existing volume, with the owners the tar gives. Entries that would land outside the volume are refused.`,
    examples: [[`Import a file`, `$0 volume import data data.tar`], [`From stdin`, `gunzip -c data.tar.gz | $0 volume import data -`]],
  });

  volume = Option.String({name: `VOLUME`});
  source = Option.String({name: `SOURCE`});

  async execute() {
    const input = this.source === `-` ? this.context.stdin : createReadStream(this.source);
    if (this.source !== `-`) {
      // A missing file says so before the store is opened.
      await new Promise<void>((resolve, reject) => {
        (input as ReturnType<typeof createReadStream>).once(`open`, () => resolve());
        input.once(`error`, (err: NodeJS.ErrnoException) => reject(new TspodError(`InvalidArgument`, `open ${this.source}: ${err.code === `ENOENT` ? `no such file or directory` : err.message}`)));
      });
    }
    await this.engine.importVolume({name: this.volume, input});
    return 0;
  }
}

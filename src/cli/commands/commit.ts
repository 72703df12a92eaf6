import {writeFileSync} from 'node:fs';
import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

export default class CommitCommand extends BaseCommand {
  static override paths = [[`commit`], [`container`, `commit`]];
  static override usage = Command.Usage({
    description: `Create new image based on the changed container`,
    details: `The container's changes (its writable layer) become a new layer on top of its image. --change applies Dockerfile instructions to the new image's config. Rootless containers are not paused while committing.`,
    examples: [[`Commit with a new command`, `$0 commit --change 'CMD ["/bin/app"]' web myimage:v2`]],
  });

  change = Option.Array(`-c,--change`, [], {description: `Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR`});
  message = Option.String(`-m,--message`, {description: `Set commit message for imported image`});
  author = Option.String(`-a,--author`, {description: `Set the author for the image committed`});
  pause = Option.Boolean(`-p,--pause`, {description: `Pause container during commit (not done for rootless containers)`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Suppress output`});
  format = Option.String(`-f,--format`, {description: `Format of the image manifest and metadata (oci; docker is accepted)`});
  iidfile = Option.String(`--iidfile`, {description: `Write the image ID to the file`});
  container = Option.String({name: `CONTAINER`});
  reference = Option.String({name: `IMAGE`, required: false});

  async execute() {
    const r = await this.engine.commitContainer({container: this.container, reference: this.reference, changes: this.change, message: this.message, author: this.author, pause: this.pause});
    if (this.iidfile !== undefined) writeFileSync(this.iidfile, `sha256:${r.id}`);
    this.out(r.id);
    return 0;
  }
}

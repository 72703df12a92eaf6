// What pod start, restart, pause and unpause share: POD... or --all (never both), each
// pod's ID printed as it is done, and the failures reported as a batch (the last one
// is the command's error, exit 125).
import {Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';
import {reportBatch} from '../../batch';
import {TspodError} from '../../../engine/errors';

export interface PodSelection {
  pods: Array<string>;
  all: boolean;
}

export abstract class PodBatchCommand extends BaseCommand {
  all = Option.Boolean(`-a,--all`, false, {description: `Act on all pods`});
  pods = Option.Rest({name: `POD`});

  /** The engine verb for these pods. */
  protected abstract act(selection: PodSelection): Promise<{done: Array<string>, errors: Array<unknown>}>;

  async execute() {
    if (this.all === (this.pods.length > 0))
      throw new TspodError(`InvalidArgument`, this.all ? `when using the --all flag, no pod names may be given` : `you must provide at least one name or id`);
    const r = await this.act({pods: this.pods, all: this.all});
    for (const id of r.done) this.out(id);
    reportBatch(this.context.stderr, r.errors);
    return 0;
  }
}

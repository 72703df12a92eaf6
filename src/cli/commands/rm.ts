import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {containerTargets} from '../targets';
import {printErrors, removalExitCode} from '../batch';
import {TspodError} from '../../engine/errors';

export default class RmCommand extends BaseCommand {
  static override paths = [[`rm`], [`container`, `rm`]];
  static override usage = Command.Usage({
    description: `Remove one or more containers`,
    details: `A running container is refused unless -f is given, which kills it first. -v also removes its anonymous volumes. Exits 1 when a container does not exist, 2 when one is running or paused, as podman does.`,
    examples: [[`Remove a container`, `$0 rm web`], [`Force-remove everything`, `$0 rm -fa`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Remove all containers`});
  force = Option.Boolean(`-f,--force`, false, {description: `Force removal of a running container (stops it first)`});
  volumes = Option.Boolean(`-v,--volumes`, false, {description: `Remove anonymous volumes associated with the container`});
  ignore = Option.Boolean(`-i,--ignore`, false, {description: `Ignore errors when a specified container is missing (implied by --force)`});
  time = Option.String(`-t,--time`, {description: `Seconds to wait for stop (the stop signal) before killing the container (default: its --stop-timeout, 10)`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  cidfile = Option.Array(`--cidfile`, [], {description: `Read the container ID from the file`});
  filter = Option.Array(`--filter`, [], {description: `Filter the containers to act on (ps's filters: name, id, status, ancestor, label, exited)`});
  containers = Option.Rest({name: `CONTAINER`});

  async execute() {
    // podman: with --force a container that does not exist is no error.
    const ignore = this.ignore || this.force;
    const containers = await containerTargets(this.engine, {containers: this.containers, cidfiles: this.cidfile, latest: this.latest, ignore, filters: this.filter});
    if (!this.all && containers.length === 0 && this.cidfile.length === 0 && this.filter.length === 0 && this.containers.length === 0)
      throw new TspodError(`InvalidArgument`, `you must provide at least one name or id`);
    const r = await this.engine.removeContainers({containers, all: this.all, force: this.force, volumes: this.volumes, ignore, timeout: seconds(this.time)});
    for (const d of r.removed) this.out(d.ref);
    printErrors(this.context.stderr, r.errors);
    return removalExitCode(r.errors);
  }
}

function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new TspodError(`InvalidArgument`, `invalid argument "${v}" for "-t, --time" flag`);
  return Number(v);
}

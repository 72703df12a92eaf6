import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

export default class LogoutCommand extends BaseCommand {
  static override paths = [[`logout`]];
  static override usage = Command.Usage({
    description: `Log out of a container registry`,
    details: `Removes the credentials for the registry from auth.json; --all removes every stored login in that file.`,
    examples: [[`Log out of quay.io`, `$0 logout quay.io`], [`Forget every login`, `$0 logout --all`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Remove the cached credentials for all registries in the auth file`});
  authfile = Option.String(`--authfile`, {description: `Path of the authentication file`});
  registry = Option.String({name: `registry`, required: false});

  async execute() {
    const report = await this.engine.logout({registry: this.registry, all: this.all, authfile: this.authfile});
    if (report.all) this.out(`Removed login credentials for all registries`);
    else for (const key of report.removed) this.out(`Removed login credentials for ${key}`);
    return 0;
  }
}

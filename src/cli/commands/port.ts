import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {latestContainer} from '../targets';

export default class PortCommand extends BaseCommand {
  static override paths = [[`port`], [`container`, `port`]];
  static override usage = Command.Usage({
    description: `List port mappings for a container`,
    details: `Prints each published port as CONTAINERPORT/PROTO -> HOSTIP:HOSTPORT; with a PRIVATE_PORT, only its host address.`,
    examples: [[`All mappings of a container`, `$0 port web`], [`The host side of port 80`, `$0 port web 80/tcp`], [`Every container's`, `$0 port --all`]],
  });

  all = Option.Boolean(`-a,--all`, false, {description: `Display port information for all containers`});
  latest = Option.Boolean(`-l,--latest`, false, {description: `Act on the latest container tspod is aware of`});
  format = Option.String(`--format`, {description: `Change the output format to JSON`});
  args = Option.Rest({name: `CONTAINER [PRIVATE_PORT[/PROTO]]`});

  async execute() {
    const [container, port] = this.all ? [undefined, this.args[0]] : this.latest ? [await latestContainer(this.engine), this.args[0]] : this.args;
    const reports = await this.engine.port({containers: container === undefined ? [] : [container], all: this.all, port});
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.json(reports);
      return 0;
    }
    for (const r of reports)
      for (const p of r.ports) {
        const host = `${p.hostIp.includes(`:`) ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort}`;
        const line = port !== undefined ? host : `${p.containerPort}/${p.protocol} -> ${host}`;
        this.out(this.all ? `${r.id.slice(0, 12)}\t${line}` : line);
      }
    return 0;
  }
}

import {Command, Option} from 'clipanion';
import {BaseCommand} from '../../BaseCommand';

export default class PodCreateCommand extends BaseCommand {
  static override paths = [[`pod`, `create`]];
  static override usage = Command.Usage({
    description: `Create a new empty pod`,
    details: `A pod is a group of containers sharing namespaces (net, ipc and uts by default), held by its infra container, which tspod runs from its own helper (no image is pulled). The infra owns the pod's published ports and hostname; add containers with \`run --pod\` or \`create --pod\`. Prints the pod's ID.`,
    examples: [[`A pod publishing port 8080`, `$0 pod create --name web -p 8080:80`], [`A pod without infra container`, `$0 pod create --infra=false`]],
  });

  name = Option.String(`-n,--name`, {description: `Assign a name to the pod`});
  label = Option.Array(`-l,--label`, [], {description: `Set metadata on the pod (key=value)`});
  infra = Option.Boolean(`--infra`, true, {description: `Create an infra container holding the pod's namespaces (default true)`});
  infraName = Option.String(`--infra-name`, {description: `The name of the infra container (default: the pod's short ID and -infra)`});
  share = Option.String(`--share`, {description: `The namespaces the pod's containers share: a comma list of net, ipc, uts and pid (default net,ipc,uts)`});
  hostname = Option.String(`--hostname`, {description: `The pod's hostname (default: its name)`});
  network = Option.String(`--network,--net`, {description: `The pod's network: pasta (default), slirp4netns, host or none`});
  publish = Option.Array(`-p,--publish`, [], {description: `Publish a port of the pod to the host ([ip:]hostPort:containerPort[/proto])`});
  dns = Option.Array(`--dns`, [], {description: `Set custom DNS servers in the pod's /etc/resolv.conf`});
  dnsSearch = Option.Array(`--dns-search`, [], {description: `Set custom DNS search domains`});
  dnsOption = Option.Array(`--dns-option`, [], {description: `Set custom DNS options`});
  addHost = Option.Array(`--add-host`, [], {description: `Add a custom host-to-IP mapping (host:ip) to the pod's /etc/hosts`});
  podName = Option.String({name: `NAME`, required: false});

  async execute() {
    const pod = await this.engine.createPod({
      name: this.name ?? this.podName, labels: this.label, infra: this.infra, infraName: this.infraName, share: this.share,
      hostname: this.hostname, network: this.network, publish: this.publish, dns: this.dns, dnsSearch: this.dnsSearch, dnsOption: this.dnsOption,
      addHost: this.addHost, createCommand: [`tspod`, ...process.argv.slice(2)],
      cwd: (this.context as {cwd?: string}).cwd ?? process.cwd(), hostEnv: this.context.env,
    });
    this.out(pod.id);
    return 0;
  }
}

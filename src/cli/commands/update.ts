import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';

const FLAGS: Record<string, string> = {
  memory: `--memory`, memorySwap: `--memory-swap`, memoryReservation: `--memory-reservation`, cpus: `--cpus`,
  cpuShares: `--cpu-shares`, cpuWeight: `--cpu-weight`, cpuQuota: `--cpu-quota`, cpuPeriod: `--cpu-period`,
  cpusetCpus: `--cpuset-cpus`, cpusetMems: `--cpuset-mems`, pidsLimit: `--pids-limit`, blkioWeight: `--blkio-weight`,
};

export default class UpdateCommand extends BaseCommand {
  static override paths = [[`update`], [`container`, `update`]];
  static override usage = Command.Usage({
    description: `Update the resource limits of a container`,
    details: `A running container gets the new limits in its cgroup at once; the container's configuration keeps them for its next start. Needs the container to have a cgroup of its own (cgroup v2 delegated to your user).`,
    examples: [[`Raise the memory limit`, `$0 update --memory 256m web`], [`Halve the CPU`, `$0 update --cpus 0.5 web`]],
  });

  memory = Option.String(`-m,--memory`, {description: `Memory limit (format: <number>[<unit>], where unit = b, k, m or g)`});
  memorySwap = Option.String(`--memory-swap`, {description: `Swap limit equal to memory plus swap: -1 to enable unlimited swap`});
  memoryReservation = Option.String(`--memory-reservation`, {description: `Memory soft limit (memory.low)`});
  cpus = Option.String(`--cpus`, {description: `Number of CPUs`});
  cpuShares = Option.String(`-c,--cpu-shares`, {description: `CPU shares (relative weight)`});
  cpuWeight = Option.String(`--cpu-weight`, {description: `CPU weight 1-10000 (cgroup v2 cpu.weight)`});
  cpuQuota = Option.String(`--cpu-quota`, {description: `Limit the CPU CFS (Completely Fair Scheduler) quota`});
  cpuPeriod = Option.String(`--cpu-period`, {description: `Limit the CPU CFS (Completely Fair Scheduler) period`});
  cpusetCpus = Option.String(`--cpuset-cpus`, {description: `CPUs in which to allow execution (0-3, 0,1)`});
  cpusetMems = Option.String(`--cpuset-mems`, {description: `Memory nodes (MEMs) in which to allow execution (0-3, 0,1)`});
  pidsLimit = Option.String(`--pids-limit`, {description: `Tune container pids limit (-1 for unlimited)`});
  blkioWeight = Option.String(`--blkio-weight`, {description: `Block IO weight (relative weight) accepts a weight value between 10 and 1000`});
  container = Option.String({name: `CONTAINER`});

  async execute() {
    const limits: Record<string, string> = {};
    for (const [k, f] of Object.entries(FLAGS)) {
      const v = (this as unknown as Record<string, string | undefined>)[k];
      if (v !== undefined) limits[f] = v;
    }
    const r = await this.engine.updateContainer({container: this.container, limits});
    this.out(r.id);
    return 0;
  }
}

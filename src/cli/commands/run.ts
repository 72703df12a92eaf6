import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {pullProgress} from '../progress';
import {selectPrompt} from '../selectPrompt';
import {TspodError} from '../../engine/errors';
import type {CreateOptions} from '../../engine/verbs/run';

// Resource-limit flags: handed to the engine by name (src/cgroups enforces or refuses them; never ignored).
const LIMIT_FLAGS: Record<string, string> = {
  limitMemory: `--memory`,
  limitMemorySwap: `--memory-swap`,
  limitMemoryReservation: `--memory-reservation`,
  limitMemorySwappiness: `--memory-swappiness`,
  limitKernelMemory: `--kernel-memory`,
  limitCpus: `--cpus`,
  limitCpuShares: `--cpu-shares`,
  limitCpuWeight: `--cpu-weight`,
  limitCpuQuota: `--cpu-quota`,
  limitCpuPeriod: `--cpu-period`,
  limitCpuRtPeriod: `--cpu-rt-period`,
  limitCpuRtRuntime: `--cpu-rt-runtime`,
  limitCpusetCpus: `--cpuset-cpus`,
  limitCpusetMems: `--cpuset-mems`,
  limitPidsLimit: `--pids-limit`,
  limitBlkioWeight: `--blkio-weight`,
  limitBlkioWeightDevice: `--blkio-weight-device`,
  limitDeviceReadBps: `--device-read-bps`,
  limitDeviceWriteBps: `--device-write-bps`,
  limitDeviceReadIops: `--device-read-iops`,
  limitDeviceWriteIops: `--device-write-iops`,
  limitOomScoreAdj: `--oom-score-adj`,
};

/** The flags run and create share (podman's `create` flag set). */
export abstract class ContainerFlags extends BaseCommand {
  interactive = Option.Boolean(`-i,--interactive`, false, {description: `Keep STDIN open even if not attached`});
  tty = Option.Boolean(`-t,--tty`, false, {description: `Allocate a pseudo-TTY for the container`});
  rm = Option.Boolean(`--rm`, false, {description: `Remove the container and its anonymous volumes when it exits`});
  name = Option.String(`--name`, {description: `Assign a name to the container`});
  env = Option.Array(`-e,--env`, [], {description: `Set environment variables in the container (KEY=VAL, or KEY for the host's value)`});
  envFile = Option.Array(`--env-file`, [], {description: `Read in a file of environment variables`});
  volume = Option.Array(`-v,--volume`, [], {description: `Bind mount a volume into the container: [SRC:]DST[:OPTS]`});
  mount = Option.Array(`--mount`, [], {description: `Attach a filesystem mount: type=bind|volume|tmpfs,source=…,target=…`});
  tmpfs = Option.Array(`--tmpfs`, [], {description: `Mount a temporary filesystem: DST[:OPTS]`});
  volumesFrom = Option.Array(`--volumes-from`, [], {description: `Mount the volumes and bind mounts of another container: CONTAINER[:ro|rw]`});
  timeout = Option.String(`--timeout`, {description: `Maximum time in seconds the container may run before it is killed (0: no limit)`});
  secret = Option.Array(`--secret`, [], {description: `Add a secret to the container: NAME[,type=mount|env][,target=PATH|VAR][,mode=0444]`});
  imageVolume = Option.String(`--image-volume`, {description: `What the image's VOLUMEs get: bind (an anonymous volume with the image's content, default), tmpfs or ignore`});
  workdir = Option.String(`-w,--workdir`, {description: `Working directory inside the container`});
  user = Option.String(`-u,--user`, {description: `Username or UID (format: <name|uid>[:<group|gid>])`});
  userns = Option.String(`--userns`, {description: `User namespace to use: keep-id[:uid=N,gid=N] or private`});
  hostname = Option.String(`-h,--hostname`, {description: `Set container hostname`});
  entrypoint = Option.String(`--entrypoint`, {description: `Overwrite the default ENTRYPOINT of the image (a string or a JSON array)`});
  init = Option.Boolean(`--init`, false, {description: `Run an init inside the container that forwards signals and reaps processes`});
  readOnly = Option.Boolean(`--read-only`, false, {description: `Make the container's root filesystem read-only`});
  pull = Option.String(`--pull`, {description: `Pull image policy: always, missing, never, newer`});
  privileged = Option.Boolean(`--privileged`, false, {description: `Give extended privileges to the container (all capabilities, host devices)`});
  ulimit = Option.Array(`--ulimit`, [], {description: `Ulimit options: type=soft[:hard]`});
  securityOpt = Option.Array(`--security-opt`, [], {description: `Security options: no-new-privileges`});
  capAdd = Option.Array(`--cap-add`, [], {description: `Add capabilities to the container`});
  capDrop = Option.Array(`--cap-drop`, [], {description: `Drop capabilities from the container`});
  network = Option.String(`--network,--net`, {description: `Network mode: pasta (default), slirp4netns[:OPTIONS], host, none or container:NAME`});
  publish = Option.Array(`-p,--publish`, [], {description: `Publish a container's port to the host: [ip:][hostPort:]containerPort[/tcp|/udp]`});
  publishAll = Option.Boolean(`-P,--publish-all`, false, {description: `Publish every port the image EXPOSEs to a random host port`});
  dns = Option.Array(`--dns`, [], {description: `Set a custom DNS server`});
  dnsSearch = Option.Array(`--dns-search`, [], {description: `Set a custom DNS search domain (. for none)`});
  dnsOption = Option.Array(`--dns-option,--dns-opt`, [], {description: `Set a custom DNS option`});
  addHost = Option.Array(`--add-host`, [], {description: `Add a custom host-to-IP mapping (host:ip)`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Suppress output information when pulling images`});
  limitMemory = Option.String(`-m,--memory`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitMemorySwap = Option.String(`--memory-swap`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitMemoryReservation = Option.String(`--memory-reservation`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitMemorySwappiness = Option.String(`--memory-swappiness`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitKernelMemory = Option.String(`--kernel-memory`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitCpus = Option.String(`--cpus`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitCpuShares = Option.String(`-c,--cpu-shares`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitCpuWeight = Option.String(`--cpu-weight`, {description: `CPU weight 1-10000 (cgroup v2 cpu.weight)`});
  cgroups = Option.String(`--cgroups`, {description: `Control container cgroup configuration: enabled, disabled, no-conmon, split`});
  sdnotify = Option.String(`--sdnotify`, {description: `Control sd-notify behavior: conmon (tspod says READY once the container runs), container, ignore`});
  limitCpuQuota = Option.String(`--cpu-quota`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitCpuPeriod = Option.String(`--cpu-period`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitCpuRtPeriod = Option.String(`--cpu-rt-period`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitCpuRtRuntime = Option.String(`--cpu-rt-runtime`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitCpusetCpus = Option.String(`--cpuset-cpus`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitCpusetMems = Option.String(`--cpuset-mems`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitPidsLimit = Option.String(`--pids-limit`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitBlkioWeight = Option.String(`--blkio-weight`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitBlkioWeightDevice = Option.String(`--blkio-weight-device`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitDeviceReadBps = Option.String(`--device-read-bps`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitDeviceWriteBps = Option.String(`--device-write-bps`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitDeviceReadIops = Option.String(`--device-read-iops`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitDeviceWriteIops = Option.String(`--device-write-iops`, {description: `Resource limit (needs cgroup v2 delegation)`});
  limitOomScoreAdj = Option.String(`--oom-score-adj`, {description: `Resource limit (needs cgroup v2 delegation)`});

  restart = Option.String(`--restart`, {description: `Restart policy to apply when a container exits: no, on-failure[:max-retries], always, unless-stopped`});
  logOpt = Option.Array(`--log-opt`, [], {description: `Logging driver options: max-size=SIZE (k8s-file log, rotated at SIZE)`});
  label = Option.Array(`-l,--label`, [], {description: `Set metadata on a container (KEY=VALUE)`});
  labelFile = Option.Array(`--label-file`, [], {description: `Read in a line delimited file of labels`});
  annotation = Option.Array(`--annotation`, [], {description: `Add an annotation to the container (KEY=VALUE)`});
  replace = Option.Boolean(`--replace`, false, {description: `If a container with the same name exists, replace it`});
  cidfile = Option.String(`--cidfile`, {description: `Write the container ID to the file`});
  pidfile = Option.String(`--pidfile`, {description: `Write the container process ID to the file (removed with the container)`});
  stopSignal = Option.String(`--stop-signal`, {description: `Signal to stop a container (default SIGTERM, or the image's STOPSIGNAL)`});
  stopTimeout = Option.String(`--stop-timeout`, {description: `Timeout (in seconds) to stop a container before killing it (default 10)`});
  envHost = Option.Boolean(`--env-host`, false, {description: `Use all current host environment variables in the container`});
  httpProxy = Option.Boolean(`--http-proxy`, true, {description: `Set proxy environment variables in the container based on the host's (default true)`});
  unsetenv = Option.Array(`--unsetenv`, [], {description: `Unset a default environment variable (the image's or tspod's)`});
  unsetenvAll = Option.Boolean(`--unsetenv-all`, false, {description: `Unset all default environment variables`});
  device = Option.Array(`--device`, [], {description: `Add a host device to the container (HOST[:CONTAINER][:PERMS]; a directory adds the devices in it)`});
  envMerge = Option.Array(`--env-merge`, [], {description: `Preprocess default environment variables: KEY=VALUE with \${VAR} of the defaults`});
  initPath = Option.String(`--init-path`, {description: `Path to the container-init binary (default: tspod's own)`});
  disableContentTrust = Option.Boolean(`--disable-content-trust`, false, {description: `This is a Docker specific option and is a no-op`});
  logDriver = Option.String(`--log-driver`, {description: `Logging driver for the container: k8s-file (default; json-file is an alias), none, or passthrough (the container gets tspod's stdio; not with -t)`});
  sysctl = Option.Array(`--sysctl`, [], {description: `Set a namespaced kernel parameter (net.*, fs.mqueue.*, kernel.shm*/msg*/sem)`});
  readOnlyTmpfs = Option.Boolean(`--read-only-tmpfs`, true, {description: `With --read-only, mount writable tmpfs on /run, /tmp and /var/tmp (default true)`});
  noHosts = Option.Boolean(`--no-hosts`, false, {description: `Do not create /etc/hosts within the container, instead use the version from the image`});
  expose = Option.Array(`--expose`, [], {description: `Expose a port or a range of ports (for -P)`});
  shmSize = Option.String(`--shm-size`, {description: `Size of /dev/shm (format: <number>[<unit>], where unit = b, k, m or g; default 64m)`});
  umask = Option.String(`--umask`, {description: `Set umask in container (default 0022)`});
  groupAdd = Option.Array(`--group-add`, [], {description: `Add additional groups to the primary container process (a gid or a group of the image)`});
  tz = Option.String(`--tz`, {description: `Set timezone in container: local, or a zone such as Europe/Paris`});
  cgroupns = Option.String(`--cgroupns`, {description: `Cgroup namespace to use: host (tspod's containers share the caller's)`});
  systemd = Option.String(`--systemd`, {description: `Run in systemd mode: true or false (tspod has no systemd mode; always is refused)`});
  networkAlias = Option.Array(`--network-alias`, [], {description: `Add a network-scoped alias (bridge networks only: refused)`});
  ip = Option.Array(`--ip,--ip6`, [], {description: `A static IP address (bridge networks only: refused)`});
  macAddress = Option.String(`--mac-address`, {description: `A static MAC address (bridge networks only: refused)`});
  uts = Option.String(`--uts`, {description: `UTS namespace to use: private (default), host or container:NAME`});
  ipc = Option.String(`--ipc`, {description: `IPC namespace to use: private (default), host or container:NAME`});
  pid = Option.String(`--pid`, {description: `PID namespace to use: private (default), host or container:NAME`});
  pod = Option.String(`--pod`, {description: `Run the container in an existing pod (NAME or ID), or in a new one (new:NAME), sharing its namespaces`});
  tlsVerify = Option.Boolean(`--tls-verify`, {description: `Require HTTPS and verify certificates when pulling the image (default true)`});
  authfile = Option.String(`--authfile`, {description: `Path of the authentication file, when pulling the image`});
  arch = Option.String(`--arch`, {description: `Use ARCH instead of the architecture of the machine for choosing images`});
  os = Option.String(`--os`, {description: `Use OS instead of the running OS for choosing images`});
  variant = Option.String(`--variant`, {description: `Use VARIANT instead of the running architecture variant for choosing images`});
  platform = Option.String(`--platform`, {description: `Specify the platform for selecting the image (os/arch[/variant])`});
  healthCmd = Option.String(`--health-cmd`, {description: `Set a health check command: a shell command, or a JSON array (exec form); none disables it`});
  healthInterval = Option.String(`--health-interval`, {description: `Time between health checks (default 30s; disable: none are run)`});
  healthRetries = Option.String(`--health-retries`, {description: `Failures in a row before the container is unhealthy (default 3)`});
  healthStartPeriod = Option.String(`--health-start-period`, {description: `Time for the container to start, when failed checks do not count (default 0s)`});
  healthTimeout = Option.String(`--health-timeout`, {description: `Time a check may take before it is killed and fails (default 30s)`});
  healthOnFailure = Option.String(`--health-on-failure`, {description: `Action when the container turns unhealthy: none (default), kill, restart or stop`});
  noHealthcheck = Option.Boolean(`--no-healthcheck`, false, {description: `Disable the image's health check`});
  image = Option.String({name: `IMAGE`});
  args = Option.Proxy({name: `COMMAND`});

  protected containerOptions(): CreateOptions {
    const limits: Record<string, string> = {};
    for (const [k, f] of Object.entries(LIMIT_FLAGS)) {
      const v = (this as unknown as Record<string, string | undefined>)[k];
      if (v !== undefined) limits[f] = v;
    }
    return {
      image: this.image, command: this.args, cwd: (this.context as {cwd?: string}).cwd ?? process.cwd(), hostEnv: this.context.env,
      name: this.name, interactive: this.interactive, tty: this.tty, rm: this.rm, env: this.env, envFile: this.envFile,
      volumes: this.volume, volumesFrom: this.volumesFrom, secrets: this.secret, timeout: this.timeout, mounts: this.mount, tmpfs: this.tmpfs, imageVolume: this.imageVolume, workdir: this.workdir, user: this.user,
      userns: this.userns, hostname: this.hostname, entrypoint: this.entrypoint, init: this.init, readOnly: this.readOnly,
      pull: this.pull, privileged: this.privileged, ulimits: this.ulimit, securityOpt: this.securityOpt,
      capAdd: this.capAdd, capDrop: this.capDrop, limits, cgroups: this.cgroups, cgroupManager: this.cgroupManager, sdnotify: this.sdnotify, network: this.network, quiet: this.quiet,
      publish: this.publish, publishAll: this.publishAll, dns: this.dns, dnsSearch: this.dnsSearch, dnsOption: this.dnsOption, addHost: this.addHost,
      restart: this.restart, logMax: parseLogOpts(this.logOpt), labels: this.label,
      createCommand: [`tspod`, ...process.argv.slice(2)],
      // The image is the word before the command's (clipanion's proxy took those).
      createImageAt: process.argv.length - 2 - this.args.length,
      labelFiles: this.labelFile, annotations: this.annotation, replace: this.replace, cidfile: this.cidfile, pidfile: this.pidfile,
      stopSignal: this.stopSignal, stopTimeout: this.stopTimeout, envHost: this.envHost, httpProxy: this.httpProxy,
      unsetEnv: this.unsetenv, unsetEnvAll: this.unsetenvAll, readOnlyTmpfs: this.readOnlyTmpfs, sysctl: this.sysctl, device: this.device, envMerge: this.envMerge, initPath: this.initPath, logDriver: this.logDriver, noHosts: this.noHosts, expose: this.expose, shmSize: this.shmSize,
      umask: this.umask, groupAdd: this.groupAdd, tz: this.tz, uts: this.uts, ipc: this.ipc, pid: this.pid, pod: this.pod,
      cgroupns: this.cgroupns, systemd: this.systemd, networkAliases: this.networkAlias, staticIps: this.ip, macAddress: this.macAddress,
      healthCmd: this.healthCmd, healthInterval: this.healthInterval, healthRetries: this.healthRetries, healthStartPeriod: this.healthStartPeriod,
      healthTimeout: this.healthTimeout, healthOnFailure: this.healthOnFailure, noHealthcheck: this.noHealthcheck,
      pullOptions: {
        ...(this.tlsVerify !== undefined ? {tlsVerify: this.tlsVerify} : {}), ...(this.authfile !== undefined ? {authfile: this.authfile} : {}),
        ...(this.arch !== undefined ? {arch: this.arch} : {}), ...(this.os !== undefined ? {os: this.os} : {}),
        ...(this.variant !== undefined ? {variant: this.variant} : {}), ...(this.platform !== undefined ? {platform: this.platform} : {}),
      },
      // A missing image is pulled with `pull`'s progress and short-name menu.
      pullUi: () => ({
        onProgress: pullProgress({quiet: this.quiet, isTTY: this.context.isTTY, stderr: this.context.stderr}).onEvent,
        choose: this.canPrompt() ? candidates => selectPrompt(this.context.stdin as NodeJS.ReadStream, this.context.stdout, `Please select an image`, candidates) : undefined,
      }),
    };
  }
}

export default class RunCommand extends ContainerFlags {
  static override paths = [[`run`], [`container`, `run`]];
  static override usage = Command.Usage({
    description: `Run a command in a new container`,
    details: `Creates a container from IMAGE and runs COMMAND (or the image's entrypoint and command) in it, attached to this terminal. IMAGE may name a transport: docker://REF, or oci:DIR[:REF], oci-archive:PATH[:REF], docker-archive:PATH[:REF] and dir:DIR, which are copied into the store first (every time, as podman does). Flags after IMAGE belong to the command. The exit status is the container's; 125 means tspod failed, 126 the command cannot be invoked, 127 it was not found.`,
    examples: [
      [`Run a shell`, `$0 run -it --rm alpine sh`],
      [`Mount the current directory, keeping your uid`, `$0 run --rm --userns keep-id -v .:/src -w /src alpine ls -l`],
    ],
  });

  detach = Option.Boolean(`-d,--detach`, false, {description: `Run the container in the background and print its ID`});
  attach = Option.Array(`-a,--attach`, [], {description: `Attach to STDIN, STDOUT or STDERR (default: all of them)`});
  rmi = Option.Boolean(`--rmi`, false, {description: `Remove the image after the container exits, unless another container uses it (implies --rm)`});
  sigProxy = Option.String(`--sig-proxy`, {tolerateBoolean: true, description: `Proxy received signals to the process (default true)`});
  preserveFds = Option.String(`--preserve-fds`, {description: `Pass down to the process N more file descriptors (3 to N+2); systemd's socket activation (LISTEN_FDS) passes its own`});

  async execute() {
    let sigProxy = true;
    if (this.sigProxy !== undefined) {
      const v = String(this.sigProxy);
      if (v === `true`) sigProxy = true;
      else if (v === `false`) sigProxy = false;
      else throw new TspodError(`InvalidArgument`, `invalid --sig-proxy "${v}": want true or false`);
    }
    const report = await this.engine.run({...this.containerOptions(), detach: this.detach, sigProxy, attach: this.attach, ...(this.preserveFds !== undefined ? {preserveFds: this.preserveFds} : {}), ...(this.rmi ? {rm: true, rmi: true} : {})});
    if (this.detach) this.out(report.id);
    return report.exitCode;
  }
}

/** `--log-opt max-size=10m` → bytes (other options are refused, never ignored). */
function parseLogOpts(opts: Array<string>): number | undefined {
  let max: number | undefined;
  for (const o of opts) {
    const m = /^max-size=(\d+(?:\.\d+)?)([kmg]?)b?$/i.exec(o);
    if (!m) throw new TspodError(`InvalidArgument`, `invalid --log-opt "${o}"`, {hint: `tspod supports max-size=SIZE (e.g. max-size=10m) for the k8s-file log`});
    const units: Record<string, number> = {k: 1024, m: 1024 ** 2, g: 1024 ** 3};
    max = Math.floor(Number(m[1]) * (units[m[2]!.toLowerCase()] ?? 1));
  }
  return max;
}

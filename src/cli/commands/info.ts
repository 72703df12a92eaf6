import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import type {HostReport} from '../../engine/hostProbe';
import {renderTemplate} from '../goTemplate';

export default class InfoCommand extends BaseCommand {
  static override paths = [[`info`], [`system`, `info`]];
  static override usage = Command.Usage({
    description: `Display tspod related system information`,
    details: `Shows what tspod found on this host: user namespaces, subordinate ids, storage, cgroups, networking. Every missing piece is listed with the command that fixes it.`,
    examples: [[`Show the report`, `$0 info`], [`As JSON`, `$0 info --format json`]],
  });

  format = Option.String(`-f,--format`, {description: `Change the output format to JSON or a Go template (podman's field names: {{.Host.Security.Rootless}}, {{.Store.GraphRoot}})`});

  async execute() {
    const report = await this.engine.info();
    if (this.format === `json` || this.format === `{{json .}}`) {
      this.json(report);
      return 0;
    }
    if (this.format !== undefined) {
      // podman's Go template over its report: `{{.Host.Security.Rootless}}`, `{{.Store.GraphRoot}}`.
      // Go field names that differ from the JSON keys: Host.CgroupsVersion is cgroupVersion.
      this.out(renderTemplate(this.format, {...report, host: {...report.host, cgroupsVersion: report.host.cgroupVersion}}));
      return 0;
    }
    this.out(renderInfo(report));
    return 0;
  }
}

function renderInfo(r: HostReport): string {
  const h = r.host;
  const ranges = (rs: Array<{start: number, count: number}>) => rs.length === 0 ? `none` : rs.map(x => `${x.start}-${x.start + x.count - 1} (${x.count})`).join(`, `);
  const lines = [
    `host:`,
    `  arch: ${h.arch}`,
    `  os: ${h.os}`,
    `  kernel: ${h.kernel}`,
    `  hostname: ${h.hostname}`,
    `  rootless: ${h.rootless} (user ${h.user}, uid ${h.uid})`,
    `  unprivilegedUserNamespaces: ${h.userns.unprivileged}`,
    `  subordinateUids: ${ranges(h.idMappings.uidmap)}`,
    `  subordinateGids: ${ranges(h.idMappings.gidmap)}`,
    `  newuidmap: ${h.newuidmap.path ?? `missing`}${h.newuidmap.path ? (h.newuidmap.privileged ? ` (setuid)` : ` (NOT setuid)`) : ``}`,
    `  newgidmap: ${h.newgidmap.path ?? `missing`}${h.newgidmap.path ? (h.newgidmap.privileged ? ` (setuid)` : ` (NOT setuid)`) : ``}`,
    `  cgroupVersion: ${h.cgroupVersion}`,
    `  cgroupControllers: [${h.cgroupControllers.join(` `)}]`,
    `  cgroupManager: ${h.cgroupManager}`,
    `  resourceLimits: ${h.resourceLimits.available ? `available` : `unavailable: ${h.resourceLimits.reason}`}`,
    `  fuseOverlayfs: ${h.fuse.fuseOverlayfs ?? `missing`} (/dev/fuse ${h.fuse.devFuse ? `accessible` : `NOT accessible`})`,
    `  network:`,
    `    default: ${h.network.default}`,
    `    pasta: ${h.network.pasta ?? `missing`}`,
    `    slirp4netns: ${h.network.slirp4netns ?? `missing`}`,
    `    /dev/net/tun: ${h.network.devNetTun ? `accessible` : `NOT accessible`}`,
    `  runtimes:`,
    ...Object.entries(h.runtimes).map(([k, v]) => {
      const oci = h.ociRuntimes?.[k];
      if (!oci) return `    ${k}: ${v ?? `missing`}`;
      const what = oci.path ? `${oci.path}${oci.version ? ` (${oci.version})` : ``}` : `missing`;
      return `    ${k}: ${what}${oci.usable ? `` : `, unusable: ${oci.reason}${oci.fix ? ` (fix: ${oci.fix})` : ``}`}`;
    }),
    `store:`,
    `  graphRoot: ${r.store.graphRoot}`,
    `  runRoot: ${r.store.runRoot}`,
    `  graphDriverName: ${r.store.graphDriverName}`,
    `version:`,
    `  Version: ${r.version.Version}`,
    `  NodeVersion: ${r.version.NodeVersion}`,
  ];
  if (r.problems.length > 0) {
    lines.push(`problems:`);
    for (const p of r.problems) lines.push(`  - ${p.what}`, `    fix: ${p.fix}`);
  }
  return lines.join(`\n`);
}

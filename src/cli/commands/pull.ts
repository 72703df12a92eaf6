import {Command, Option} from 'clipanion';
import {BaseCommand} from '../BaseCommand';
import {pullProgress} from '../progress';
import {selectPrompt} from '../selectPrompt';
import {TspodError} from '../../engine/errors';

export default class PullCommand extends BaseCommand {
  static override paths = [[`pull`], [`image`, `pull`]];
  static override usage = Command.Usage({
    description: `Pull an image from a registry or a local transport`,
    details: `Resolves short names through registries.conf, picks the manifest for the platform, downloads the config and the layers concurrently (verifying every digest) and stores the image. Prints the image ID when done. docker://REF is a registry image; oci:DIR[:REF] (an OCI image layout, the image named localhost/DIR), oci-archive:PATH[:REF], docker-archive:PATH[:REF] and dir:DIR are read from local files, every blob verified.`,
    examples: [[`Pull alpine`, `$0 pull alpine`], [`Pull the arm64 variant`, `$0 pull --arch arm64 busybox`], [`Every tag of a repository`, `$0 pull --all-tags localhost:5000/app`], [`From an OCI image layout`, `$0 pull oci:./busybox.oci:busybox:1.37.0`]],
  });

  allTags = Option.Boolean(`-a,--all-tags`, false, {description: `All tagged images in the repository will be pulled`});
  platform = Option.String(`--platform`, {description: `Specify the platform for selecting the image (os/arch[/variant])`});
  arch = Option.String(`--arch`, {description: `Use ARCH instead of the architecture of the machine for choosing images`});
  os = Option.String(`--os`, {description: `Use OS instead of the running OS for choosing images`});
  variant = Option.String(`--variant`, {description: `Use VARIANT instead of the running architecture variant for choosing images`});
  tlsVerify = Option.String(`--tls-verify`, {tolerateBoolean: true, description: `Require HTTPS and verify certificates when contacting registries (--tls-verify=false to allow http)`});
  creds = Option.String(`--creds`, {description: `Use [username[:password]] for accessing the registry`});
  authfile = Option.String(`--authfile`, {description: `Path of the authentication file`});
  certDir = Option.String(`--cert-dir`, {description: `Use certificates at the specified path to access the registry`});
  disableContentTrust = Option.Boolean(`--disable-content-trust`, false, {description: `This is a Docker specific option and is a no-op`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Suppress output information when pulling images`});
  reference = Option.String({name: `image`});

  async execute() {
    const progress = pullProgress({quiet: this.quiet, isTTY: this.context.isTTY, stderr: this.context.stderr});
    const report = await this.engine.pull({
      reference: this.reference,
      allTags: this.allTags,
      platform: this.platform, arch: this.arch, os: this.os, variant: this.variant,
      tlsVerify: parseBool(`--tls-verify`, this.tlsVerify),
      creds: this.creds,
      authfile: this.authfile,
      ...(this.certDir !== undefined ? {certDir: this.certDir} : {}),
      onProgress: progress.onEvent,
      choose: this.canPrompt() ? candidates => selectPrompt(this.context.stdin as NodeJS.ReadStream, this.context.stdout, `Please select an image`, candidates) : undefined,
    });
    progress.stop();
    for (const image of report.images) this.out(image.id);
    return 0;
  }
}

/** Go-style boolean flag values: `--flag`, `--flag=true`, `--flag=false`. */
export function parseBool(name: string, v: string | boolean | undefined): boolean | undefined {
  if (v === undefined || typeof v === `boolean`) return v;
  if ([`true`, `1`, `t`, `T`, `TRUE`, `True`].includes(v)) return true;
  if ([`false`, `0`, `f`, `F`, `FALSE`, `False`].includes(v)) return false;
  throw new TspodError(`InvalidArgument`, `invalid argument "${v}" for "${name}" flag: parse error`);
}

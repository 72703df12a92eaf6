import {Command, Option} from 'clipanion';
import {writeFile} from '../../util/fsp';
import {BaseCommand} from '../BaseCommand';
import {parseBool} from './pull';

export default class PushCommand extends BaseCommand {
  static override paths = [[`push`], [`image`, `push`]];
  static override usage = Command.Usage({
    description: `Push an image to a specified destination`,
    details: `Sends the image's layers, config and manifest to a registry (DESTINATION as REF or docker://REF); blobs the registry already has are skipped. A DESTINATION of oci:DIR[:REF], dir:DIR, oci-archive:PATH[:REF] or docker-archive:PATH[:REF] writes the image there instead, as save does (an archive is replaced, a directory must not exist or be empty).`,
    examples: [[`Push to a local registry over http`, `$0 push --tls-verify=false myimage localhost:5000/myimage:v1`], [`Write an OCI image layout`, `$0 push myimage oci:./myimage.oci:myimage:v1`]],
  });

  tlsVerify = Option.String(`--tls-verify`, {tolerateBoolean: true, description: `Require HTTPS and verify certificates when contacting registries (--tls-verify=false to allow http)`});
  creds = Option.String(`--creds`, {description: `Use [username[:password]] for accessing the registry`});
  authfile = Option.String(`--authfile`, {description: `Path of the authentication file`});
  certDir = Option.String(`--cert-dir`, {description: `Use certificates at the specified path to access the registry`});
  disableContentTrust = Option.Boolean(`--disable-content-trust`, false, {description: `This is a Docker specific option and is a no-op`});
  digestfile = Option.String(`--digestfile`, {description: `Write the digest of the pushed image to the specified file`});
  quiet = Option.Boolean(`-q,--quiet`, false, {description: `Suppress output information when pushing images`});
  format = Option.String(`-f,--format`, {description: `Manifest type (oci, v2s2): the stored manifest is pushed as is`});
  compressionFormat = Option.String(`--compression-format`, {description: `Compression format (gzip; layers are pushed as stored)`});
  image = Option.String({name: `IMAGE`});
  destination = Option.String({name: `DESTINATION`, required: false});

  async execute() {
    const r = await this.engine.pushImage({
      image: this.image, destination: this.destination, tlsVerify: parseBool(`--tls-verify`, this.tlsVerify), creds: this.creds, authfile: this.authfile,
      ...(this.certDir !== undefined ? {certDir: this.certDir} : {}),
      ...(this.quiet ? {} : {onLine: (l: string) => this.context.stderr.write(`${l}\n`)}),
    });
    if (this.digestfile) await writeFile(this.digestfile, r.digest);
    return 0;
  }
}

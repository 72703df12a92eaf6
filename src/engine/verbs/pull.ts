// `tspod pull`: wires the pull pipeline (image/pull.ts) to registries.conf, the
// credentials and the store. The one place a pulled name's transport is read: a
// `docker://` prefix is dropped, the local transports (oci:, oci-archive:,
// docker-archive:, dir:) go through load's reader (run and create pull through here).
import {emitEvents, imageEvent} from '../events/emit';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {certsDirs, loadRegistriesConf, pullSources, recordShortNameAlias, registriesConfFiles, resolveShortName} from '../../config/registriesConf';
import {formatReference, repositoryName, shortNameParts} from '../../oci/reference';
import {parseImageName} from '../../oci/transport';
import {parsePlatformOptions} from '../../image/platform';
import {pull} from '../../image/pull';
import type {PullSource} from '../../image/pull';
import {noProgress} from '../../image/progress';
import type {PullProgress} from '../../image/progress';
import {RegistryClient} from '../../image/registry';
import {credentialLookup, parseCreds} from './credentials';
import {openStore, VanishedError} from './store';

export interface PullOptions {
  reference: string;
  allTags?: boolean;
  platform?: string | undefined;
  arch?: string | undefined;
  os?: string | undefined;
  variant?: string | undefined;
  /** undefined: registries.conf decides; false: allow http and skip certificate checks. */
  tlsVerify?: boolean | undefined;
  /** `user:password` */
  creds?: string | undefined;
  authfile?: string | undefined;
  /** podman's --cert-dir: the registry's certificates in this directory, in place of certs.d. */
  certDir?: string | undefined;
  onProgress?: PullProgress | undefined;
  /**
   * Asks the user to pick one of several candidates for a short name (enforcing mode);
   * given only when stdin and stdout are a terminal. The pick is remembered in the
   * short-name alias cache once the pull succeeds, as podman does.
   */
  choose?: ((candidates: Array<string>) => Promise<number>) | undefined;
}

export interface PullReport {
  images: Array<{id: string, names: Array<string>}>;
}

export async function pullImage(ctx: EngineContext, opts: PullOptions): Promise<PullReport> {
  const name = parseImageName(opts.reference);
  if (name.transport !== `docker`) {
    if (opts.allTags) throw new TspodError(`InvalidArgument`, `--all-tags works only with registry images, not ${name.transport}:`, {hint: `drop --all-tags`});
    const {loadFromTransport} = await import(`./load`);
    const images = await loadFromTransport(ctx, name);
    emitEvents(ctx, [imageEvent(`pull`, images[0]?.id, opts.reference)]);
    return {images};
  }
  return pullFromRegistry(ctx, {...opts, reference: name.reference});
}

async function pullFromRegistry(ctx: EngineContext, opts: PullOptions): Promise<PullReport> {
  const wish = parsePlatformOptions(opts);
  const conf = loadRegistriesConf(registriesConfFiles(ctx.env, ctx.paths));
  const certs = certsDirs(ctx.paths);
  const explicit = opts.creds !== undefined ? parseCreds(opts.creds) : undefined;
  const credentialsFor = await credentialLookup(ctx, opts.authfile);
  let selected: {name: string, value: string} | undefined;
  // The store opens (a fresh one reads the cached driver probe) while the registry is
  // asked for the manifest. Layers are applied in this process (Store.applyHere), so
  // the layer worker (a user namespace and a second Node) is started early only for
  // vfs, whose layers start as a copy of their parent made in the namespace.
  const opening = openStore(ctx).then(st => {
    if (st.driverName === `vfs`) st.warmUp();
    return st;
  });
  opening.catch(() => undefined);
  try {
    const store = opening;
    const run = () => pull({
      store,
      log: ctx.log,
      onProgress: opts.onProgress ?? noProgress,
      resolve: async input => {
        const res = resolveShortName(conf, input, {tty: opts.choose !== undefined});
        if (res.prompt && opts.choose) {
          const pick = res.candidates[await opts.choose(res.candidates.map(formatReference))]!;
          res.candidates = [pick];
          selected = {name: shortNameParts(input).name, value: `${pick.domain}/${pick.path}`};
        }
        const out: Array<PullSource> = [];
        for (const c of res.candidates)
          for (const s of pullSources(conf, c)) out.push({ref: s.ref, insecure: s.insecure});
        return out;
      },
      client: async (ref, insecure) => {
        const credentials = explicit ?? await credentialsFor(repositoryName(ref));
        return new RegistryClient(ref.domain, {
          ...(opts.tlsVerify !== undefined ? {tlsVerify: opts.tlsVerify} : {}),
          insecure,
          certsDirs: certs,
          ...(opts.certDir !== undefined ? {certDir: opts.certDir} : {}),
          ...(credentials ? {credentials} : {}),
          userAgent: `tspod`,
        });
      },
    }, {reference: opts.reference, allTags: opts.allTags ?? false, platform: wish});
    // A concurrent rmi may remove a layer or blob this pull found present: pull again.
    for (let attempt = 0; ; attempt++) {
      try {
        const images = await run();
        emitEvents(ctx, [imageEvent(`pull`, undefined, opts.reference)]);
        if (selected) recordShortNameAlias(conf.aliasCacheFile, selected.name, selected.value);
        return {images};
      } catch (err) {
        if (attempt >= 2 || !(err instanceof VanishedError || /ENOENT|is missing from the store/.test((err as Error).message))) throw err;
        ctx.log.debug(`pull: retrying after a concurrent removal: ${(err as Error).message}`);
      }
    }
  } finally {
    await opening.then(st => st.close(), () => undefined);
  }
}

// Registry credentials for the verbs that talk to registries (pull, push, search):
// `--creds user:password`, or auth.json looked up per repository. Apart from pull.ts
// so that a verb needing only these does not load the pull pipeline.
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {Credentials} from '../../image/registry';

export function parseCreds(creds: string): Credentials {
  const i = creds.indexOf(`:`);
  if (i <= 0) throw new TspodError(`InvalidArgument`, `invalid --creds "${creds.includes(`:`) ? `:…` : creds}": expected username:password`, {hint: `e.g. --creds alice:secret`});
  return {username: creds.slice(0, i), password: creds.slice(i + 1)};
}

/** Credentials from auth.json (--authfile, REGISTRY_AUTH_FILE, the default files), looked up per repository. */
export async function credentialLookup(ctx: EngineContext, authfile: string | undefined): Promise<(repository: string) => Promise<Credentials | undefined>> {
  const {authFiles, getCredentials} = await import(`../../config/authFile`);
  const files = authFiles(ctx.env, ctx.paths, authfile);
  return async repository => {
    const c = await getCredentials(files, repository);
    return c ? {username: c.username, password: c.password} : undefined;
  };
}

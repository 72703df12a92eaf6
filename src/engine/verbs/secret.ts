// `secret create|ls|inspect|rm|exists`: the secret store (run/secrets.ts) under the graph root.
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {SecretStore} from '../run/secrets';
import type {SecretRecord} from '../run/secrets';

const storeOf = (ctx: EngineContext) => new SecretStore(ctx.paths.graphRoot);

export async function createSecret(ctx: EngineContext, o: {name: string, data: Buffer, labels?: Record<string, string>, replace?: boolean}): Promise<SecretRecord> {
  if (o.data.length === 0) throw new TspodError(`InvalidArgument`, `secret data must be larger than 0 and less than 512000 bytes`);
  if (o.data.length >= 512000) throw new TspodError(`InvalidArgument`, `secret data must be larger than 0 and less than 512000 bytes`);
  return storeOf(ctx).create(o.name, o.data, {...(o.labels ? {labels: o.labels} : {}), ...(o.replace ? {replace: true} : {})});
}

export async function listSecrets(ctx: EngineContext, o: {filters?: Array<string>} = {}): Promise<Array<SecretRecord>> {
  const all = await storeOf(ctx).list();
  return all.filter(s => (o.filters ?? []).every(f => {
    const i = f.indexOf(`=`);
    const k = f.slice(0, i), v = f.slice(i + 1);
    if (k === `name`) return s.Spec.Name.includes(v);
    if (k === `id`) return s.ID.startsWith(v);
    throw new TspodError(`InvalidArgument`, `invalid filter "${f}"`, {hint: `use name=NAME or id=ID`});
  }));
}

/** The records, with the data when asked (inspect --showsecret). */
export async function inspectSecrets(ctx: EngineContext, o: {refs: Array<string>, showSecret?: boolean}): Promise<{found: Array<SecretRecord & {SecretData?: string}>, errors: Array<Error>}> {
  const store = storeOf(ctx);
  const found: Array<SecretRecord & {SecretData?: string}> = [], errors: Array<Error> = [];
  for (const ref of o.refs) {
    try {
      const s = await store.mustLookup(ref);
      found.push(o.showSecret ? {...s, SecretData: (await store.data(s)).toString()} : s);
    } catch (err) {
      errors.push(err as Error);
    }
  }
  return {found, errors};
}

export async function removeSecrets(ctx: EngineContext, o: {refs: Array<string>, all?: boolean, ignore?: boolean}): Promise<{removed: Array<string>, errors: Array<Error>}> {
  const store = storeOf(ctx);
  const targets = o.all ? await store.list() : [];
  const errors: Array<Error> = [];
  if (!o.all) {
    for (const ref of o.refs) {
      const s = await store.lookup(ref);
      if (s) targets.push(s);
      else if (!o.ignore) errors.push(new TspodError(`NoSuchObject`, `no secret with name or id "${ref}": no such secret`));
    }
  }
  const removed: Array<string> = [];
  for (const s of targets) {
    await store.remove(s);
    removed.push(s.ID);
  }
  return {removed, errors};
}

export async function secretExists(ctx: EngineContext, ref: string): Promise<boolean> {
  return (await storeOf(ctx).lookup(ref)) !== undefined;
}

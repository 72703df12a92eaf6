// Secrets (podman's `secret` with its file driver): `secrets/<name>/secret.json` holds the
// record and `secrets/<name>/data` the bytes, both private to the user. A secret is built
// under a temp name and renamed into place, so two tspods creating the same name agree
// (one wins, the other is told the name is in use); --replace swaps the directory.
import {mkdir, readFile, readdir, rename, rm, writeFile} from '../../util/fsp';
import {join} from 'node:path';
import {randomBytes} from '../../util/randomBytes';
import {TspodError} from '../errors';
import {isoNow} from '../../util/isoTime';

export interface SecretRecord {
  ID: string;
  CreatedAt: string;
  UpdatedAt: string;
  Spec: {
    Name: string;
    Driver: {Name: `file`, Options: Record<string, string>};
    Labels: Record<string, string>;
  };
}

/** podman's rule for secret names: 1 to 253 characters, no `/`, `=` or `,`, not only dots. */
export function checkSecretName(name: string): string {
  if (name.length < 1 || name.length > 253 || /[/=,\0]/.test(name) || /^\.+$/.test(name))
    throw new TspodError(`InvalidArgument`, `secret name "${name}" is invalid: it must be 1 to 253 characters, without "/", "=" or ","`);
  return name;
}

export class SecretStore {
  readonly dir: string;

  constructor(graphRoot: string) {
    this.dir = join(graphRoot, `secrets`);
  }

  private async read(name: string): Promise<SecretRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, name, `secret.json`), `utf8`)) as SecretRecord;
    } catch {
      return undefined;
    }
  }

  async list(): Promise<Array<SecretRecord>> {
    const names = await readdir(this.dir).catch(() => [] as Array<string>);
    const out: Array<SecretRecord> = [];
    for (const n of names.sort()) {
      if (n.startsWith(`.`)) continue;
      const s = await this.read(n);
      if (s) out.push(s);
    }
    return out;
  }

  /** By name, else by full or unique partial ID, as podman looks secrets up. */
  async lookup(ref: string): Promise<SecretRecord | undefined> {
    if (!ref.includes(`/`) && !ref.startsWith(`.`)) {
      const byName = await this.read(ref);
      if (byName) return byName;
    }
    const byId = (await this.list()).filter(s => s.ID.startsWith(ref));
    return byId.length === 1 ? byId[0] : undefined;
  }

  async mustLookup(ref: string): Promise<SecretRecord> {
    const s = await this.lookup(ref);
    if (!s) throw new TspodError(`NoSuchObject`, `no secret with name or id "${ref}": no such secret`, {hint: `tspod secret ls lists the secrets`});
    return s;
  }

  async data(s: SecretRecord): Promise<Buffer> {
    return readFile(join(this.dir, s.Spec.Name, `data`));
  }

  async create(name: string, data: Buffer, opts: {labels?: Record<string, string>, replace?: boolean} = {}): Promise<SecretRecord> {
    checkSecretName(name);
    const old = await this.read(name);
    if (old && !opts.replace) throw new TspodError(`NameInUse`, `${name}: secret name in use`, {hint: `choose another name, or add --replace`});
    await mkdir(this.dir, {recursive: true, mode: 0o700});
    const now = isoNow();
    const rec: SecretRecord = {
      ID: old?.ID ?? randomBytes(13).toString(`hex`).slice(0, 25), CreatedAt: old?.CreatedAt ?? now, UpdatedAt: now,
      Spec: {Name: name, Driver: {Name: `file`, Options: {path: this.dir}}, Labels: opts.labels ?? {}},
    };
    const tmp = join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString(`hex`)}`);
    await mkdir(tmp, {mode: 0o700});
    await writeFile(join(tmp, `data`), data, {mode: 0o600});
    await writeFile(join(tmp, `secret.json`), `${JSON.stringify(rec, null, 2)}\n`, {mode: 0o600});
    const dest = join(this.dir, name);
    let displaced: string | undefined;
    if (old) {
      displaced = join(this.dir, `.old-${process.pid}-${randomBytes(6).toString(`hex`)}`);
      await rename(dest, displaced);
    }
    try {
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, {recursive: true, force: true});
      const code = (err as NodeJS.ErrnoException).code;
      if (code === `EEXIST` || code === `ENOTEMPTY`) throw new TspodError(`NameInUse`, `${name}: secret name in use`, {hint: `choose another name, or add --replace`});
      throw err;
    }
    if (displaced) await rm(displaced, {recursive: true, force: true});
    return rec;
  }

  async remove(s: SecretRecord): Promise<void> {
    const victim = join(this.dir, `.rm-${process.pid}-${randomBytes(6).toString(`hex`)}`);
    await rename(join(this.dir, s.Spec.Name), victim);
    await rm(victim, {recursive: true, force: true});
  }
}

export interface SecretRequest {
  name: string;
  type: `mount` | `env`;
  /** mount: the file's path (relative ones under /run/secrets); env: the variable. */
  target: string;
  mode: number;
}

/** `--secret NAME[,type=mount|env][,target=T][,mode=M]`, podman's syntax (uid/gid other than 0 are refused). */
export function parseSecretFlag(spec: string): SecretRequest {
  const [name, ...opts] = spec.split(`,`);
  if (!name) throw new TspodError(`InvalidArgument`, `invalid --secret "${spec}": it needs a secret name`);
  let type: `mount` | `env` = `mount`, target: string | undefined, mode = 0o444;
  for (const o of opts) {
    const i = o.indexOf(`=`);
    const k = i < 0 ? o : o.slice(0, i), v = i < 0 ? `` : o.slice(i + 1);
    if (k === `type` && (v === `mount` || v === `env`)) type = v;
    else if (k === `target` && v !== ``) target = v;
    else if (k === `mode` && /^[0-7]{1,4}$/.test(v)) mode = parseInt(v, 8);
    else if ((k === `uid` || k === `gid`) && v === `0`) continue;
    else if (k === `uid` || k === `gid`)
      throw new TspodError(`Unsupported`, `--secret ${k}=${v} is not supported: tspod's secret files belong to the container's root`, {hint: `drop ${k}=, or read the secret as root`});
    else throw new TspodError(`InvalidArgument`, `invalid --secret option "${o}" in "${spec}"`, {hint: `use type=mount|env, target=PATH|VAR and mode=OCTAL`});
  }
  if (type === `env` && (mode !== 0o444)) throw new TspodError(`InvalidArgument`, `--secret ${spec}: mode= applies to type=mount only`);
  const t = target ?? name;
  return {name, type, target: type === `env` ? t : t.startsWith(`/`) ? t : `/run/secrets/${t}`, mode};
}

import {Command, Option} from 'clipanion';
import {readFileSync} from 'node:fs';
import {BaseCommand} from '../../BaseCommand';
import {TspodError} from '../../../engine/errors';

export default class SecretCreateCommand extends BaseCommand {
  static override paths = [[`secret`, `create`]];
  static override usage = Command.Usage({
    description: `Create a new secret`,
    details: `The data comes from FILE, from stdin when FILE is -, or with --env from the environment variable FILE names. It is kept under the graph root, readable only by you; run --secret gives it to a container.`,
    examples: [[`From a file`, `$0 secret create db-pass ./pass.txt`], [`From stdin`, `printf hunter2 | $0 secret create db-pass -`]],
  });

  driver = Option.String(`-d,--driver`, `file`, {description: `Specify secret driver (only file)`});
  env = Option.Boolean(`--env`, false, {description: `Read secret data from the environment variable FILE names`});
  label = Option.Array(`-l,--label`, [], {description: `Specify labels on the secret (key=value)`});
  replace = Option.Boolean(`--replace`, false, {description: `If a secret with the same name exists, replace it`});
  name = Option.String({name: `NAME`});
  file = Option.String({name: `FILE`});

  async execute() {
    if (this.driver !== `file`) throw new TspodError(`Unsupported`, `secret driver "${this.driver}" is not supported`, {hint: `use the file driver (the default)`});
    let data: Buffer;
    if (this.env) {
      const v = process.env[this.file];
      if (v === undefined) throw new TspodError(`InvalidArgument`, `cannot create store secret data: environment variable ${this.file} is not set`);
      data = Buffer.from(v);
    } else if (this.file === `-`) {
      const chunks: Array<Buffer> = [];
      for await (const c of this.context.stdin) chunks.push(Buffer.from(c as Uint8Array));
      data = Buffer.concat(chunks);
    } else {
      try {
        data = readFileSync(this.file);
      } catch (err) {
        throw new TspodError(`InvalidArgument`, `reading secret file ${this.file}: ${(err as NodeJS.ErrnoException).code === `ENOENT` ? `no such file or directory` : (err as Error).message}`);
      }
    }
    const labels = Object.fromEntries(this.label.map(l => {
      const i = l.indexOf(`=`);
      return i < 0 ? [l, ``] : [l.slice(0, i), l.slice(i + 1)];
    }));
    const s = await this.engine.createSecret({name: this.name, data, labels, replace: this.replace});
    this.out(s.ID);
    return 0;
  }
}

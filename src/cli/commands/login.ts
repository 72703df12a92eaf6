import {Command, Option} from 'clipanion';
import {createInterface} from 'node:readline';
import {Writable} from 'node:stream';
import {BaseCommand} from '../BaseCommand';

export default class LoginCommand extends BaseCommand {
  static override paths = [[`login`]];
  static override usage = Command.Usage({
    description: `Log in to a container registry`,
    details: `Checks the credentials against the registry, then stores them in auth.json ($XDG_RUNTIME_DIR/containers/auth.json unless --authfile or REGISTRY_AUTH_FILE says otherwise). A namespace or repository path after the registry scopes the credentials to it.`,
    examples: [
      [`Log in interactively`, `$0 login quay.io`],
      [`Password from stdin`, `echo secret | $0 login -u alice --password-stdin localhost:5000`],
      [`Show who is logged in`, `$0 login --get-login quay.io`],
    ],
  });

  username = Option.String(`-u,--username`, {description: `Username for registry`});
  password = Option.String(`-p,--password`, {description: `Password for registry`});
  passwordStdin = Option.Boolean(`--password-stdin`, false, {description: `Take the password from stdin`});
  authfile = Option.String(`--authfile`, {description: `Path of the authentication file`});
  certDir = Option.String(`--cert-dir`, {description: `Use certificates at the specified path to access the registry`});
  tlsVerify = Option.Boolean(`--tls-verify`, {description: `Require HTTPS and verify certificates when contacting registries`});
  getLogin = Option.Boolean(`--get-login`, false, {description: `Return the current login user for the registry`});
  verbose = Option.Boolean(`-v,--verbose`, false, {description: `Write more detailed information to stdout`});
  registry = Option.String({name: `registry`});

  async execute() {
    if (this.getLogin) {
      this.out(await this.engine.getLogin({registry: this.registry, authfile: this.authfile}));
      return 0;
    }
    if (this.passwordStdin && this.password !== undefined) {
      this.context.stderr.write(`Error: --password and --password-stdin are mutually exclusive\n`);
      return 125;
    }
    const interactive = Boolean((this.context.stdin as {isTTY?: boolean}).isTTY);
    let username = this.username;
    let password = this.password;
    if (this.passwordStdin) password = (await readAll(this.context.stdin)).replace(/\r?\n$/, ``);
    if (username === undefined && interactive) username = await ask(this.context.stdin, this.context.stderr.stream, `Username: `, false);
    if (password === undefined && interactive) password = await ask(this.context.stdin, this.context.stderr.stream, `Password: `, true);
    const report = await this.engine.login({
      registry: this.registry, username: username ?? ``, password: password ?? ``,
      authfile: this.authfile, certDir: this.certDir, tlsVerify: this.tlsVerify,
    });
    if (this.verbose) this.out(`Used: ${report.file}`);
    this.out(`Login Succeeded!`);
    return 0;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = ``;
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/**
 * One line from the terminal; with `secret` the typed characters are not echoed. `output` is
 * Node's stream (context.stderr.stream): readline in terminal mode listens to it for 'resize'.
 */
function ask(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, prompt: string, secret: boolean): Promise<string> {
  output.write(prompt);
  const sink = secret ? new Writable({write: (_c, _e, cb) => cb()}) : output;
  const rl = createInterface({input, output: sink, terminal: true});
  return new Promise(resolve => rl.question(``, answer => {
    rl.close();
    if (secret) output.write(`\n`);
    resolve(answer);
  }));
}

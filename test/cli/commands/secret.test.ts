// `secret create|ls|inspect|rm|exists` and `run --secret` end to end, as podman's:
// a mount-type secret is a read-only file under /run/secrets (or its target), an
// env-type one a variable; a container keeps its copy after the secret is removed.
import test from 'ava';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE);
const {t} = pulled;

test.serial(`secret create from stdin and a file; ls, inspect, exists; a name in use needs --replace`, async tt => {
  const id = (await t([`secret`, `create`, `s-one`, `-`], `from-stdin`)).stdout.trim();
  tt.regex(id, /^[0-9a-f]{25}$/);
  const file = join(pulled.dir, `secret.txt`);
  writeFileSync(file, `from-file`);
  tt.is((await t([`secret`, `create`, `--label`, `a=b`, `s-two`, file])).code, 0);
  const dup = await t([`secret`, `create`, `s-one`, file]);
  tt.is(dup.code, 125);
  tt.is(dup.stderr.split(`\n`)[0], `Error: s-one: secret name in use`);
  tt.is((await t([`secret`, `create`, `--replace`, `s-one`, file])).code, 0);
  tt.is((await t([`secret`, `ls`, `--format`, `{{.Name}} {{.Driver}}`])).stdout, `s-one file\ns-two file\n`);
  const [info] = JSON.parse((await t([`secret`, `inspect`, `s-two`])).stdout);
  tt.like(info, {Spec: {Name: `s-two`, Driver: {Name: `file`}, Labels: {a: `b`}}});
  tt.is(info.SecretData, undefined, `the data only with --showsecret`);
  tt.is((await t([`secret`, `inspect`, `--showsecret`, `--format`, `{{.SecretData}}`, `s-one`])).stdout, `from-file\n`, `--replace kept the new data`);
  tt.is((await t([`secret`, `exists`, `s-one`])).code, 0);
  tt.is((await t([`secret`, `exists`, `s-nope`])).code, 1);
  const missing = await t([`secret`, `inspect`, `s-nope`]);
  tt.is(missing.code, 125);
  tt.regex(missing.stderr, /no secret with name or id "s-nope": no such secret/);
  tt.is((await t([`secret`, `create`, `s-empty`, `-`], ``)).code, 125);
});

test.serial(`run --secret: a read-only file (mode and target), an env variable; the container keeps its copy after secret rm`, async tt => {
  tt.is((await t([`secret`, `create`, `s-run`, `-`], `hunter2`)).code, 0);
  const r = await t([`run`, `--name`, `sec-user`, `--network`, `none`, `--secret`, `s-run`, `--secret`, `s-run,type=env,target=DB_PASS`, `--secret`, `s-run,target=/etc/app.key,mode=0400`,
    ALPINE, `sh`, `-c`, `cat /run/secrets/s-run; echo; echo $DB_PASS; stat -c %a /run/secrets/s-run /etc/app.key; echo x > /run/secrets/s-run 2>/dev/null || echo read-only`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout, `hunter2\nhunter2\n444\n400\nread-only\n`);
  tt.is((await t([`secret`, `rm`, `s-run`])).code, 0);
  const again = await t([`start`, `-a`, `sec-user`]);
  tt.regex(again.stdout, /^hunter2\n/, again.stderr);
  const none = await t([`run`, `--rm`, `--secret`, `s-run`, ALPINE, `true`]);
  tt.is(none.code, 125);
  tt.regex(none.stderr, /no secret with name or id "s-run"/);
  tt.is((await t([`run`, `--rm`, `--secret`, `s-one,uid=1000`, ALPINE, `true`])).code, 125);
  tt.is((await t([`rm`, `sec-user`])).code, 0);
});

test.serial(`secret rm --all; a missing one is an error unless --ignore`, async tt => {
  tt.is((await t([`secret`, `rm`, `s-nope`])).code, 125);
  tt.is((await t([`secret`, `rm`, `--ignore`, `s-nope`])).code, 0);
  tt.is((await t([`secret`, `rm`, `--all`])).code, 0);
  tt.is((await t([`secret`, `ls`, `-q`])).stdout, ``);
});

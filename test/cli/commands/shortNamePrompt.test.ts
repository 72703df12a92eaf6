// Short names in enforcing mode, as podman: on a terminal the user picks one of the
// search registries from a menu and the pick is remembered in the alias cache
// ($XDG_CACHE_HOME/containers/short-name-aliases.conf); without a terminal the pull is
// refused with the candidates listed. The terminal is a real pty made by script(1).
import test from 'ava';
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {tempStore} from '../../_helpers/runCli';
import {TSPOD_BIN} from '../../_helpers/project';
import {REGISTRY} from '../../_helpers/registry';
import {IDS} from '../../_helpers/imageEnv';

const DEAD = `127.0.0.1:9`; // nothing listens on the discard port

function enforcingEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), `tspod-shortname-`));
  mkdirSync(join(dir, `config/containers`), {recursive: true});
  writeFileSync(join(dir, `config/containers/registries.conf`), [
    `unqualified-search-registries = ["${DEAD}", "${REGISTRY}"]`,
    `short-name-mode = "enforcing"`,
    ...[DEAD, REGISTRY].map(r => `[[registry]]\nlocation = "${r}"\ninsecure = true`),
  ].join(`\n`));
  return {XDG_CONFIG_HOME: join(dir, `config`), XDG_CACHE_HOME: join(dir, `cache`)};
}

/** Runs tspod on a pty; once `waitFor` appears on it, types `keys`. */
function onTerminal(args: Array<string>, env: Record<string, string>, waitFor: string, keys: string): Promise<{code: number, screen: string}> {
  const cmd = [process.execPath, TSPOD_BIN, ...args].map(a => `'${a.replace(/'/g, `'\\''`)}'`).join(` `);
  return new Promise(resolve => {
    const child = spawn(`script`, [`-qfec`, cmd, `/dev/null`], {env: {...process.env, ...env}, stdio: [`pipe`, `pipe`, `pipe`]});
    let screen = ``, typed = false;
    const timer = setTimeout(() => child.kill(`SIGKILL`), 90_000);
    child.stdout.on(`data`, d => {
      screen += d;
      if (!typed && screen.includes(waitFor)) {
        typed = true;
        child.stdin.write(keys);
      }
    });
    child.on(`close`, code => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({code: code ?? 137, screen});
    });
  });
}

test(`enforcing: a menu on a terminal, the pick is pulled and remembered; no terminal, no guess`, async t => {
  const env = enforcingEnv();
  t.teardown(() => rmSync(join(env.XDG_CONFIG_HOME!, `..`), {recursive: true, force: true}));
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const refused = await s.run([`pull`, `library/busybox:1.37.0-glibc`], {env});
  t.is(refused.code, 125);
  t.regex(refused.stderr, new RegExp(`^Error: short-name resolution enforced but cannot prompt without a TTY: "library/busybox:1.37.0-glibc" could be ${DEAD}/library/busybox:1.37.0-glibc, ${REGISTRY}/library/busybox:1.37.0-glibc`));

  // Down arrow to the second registry, Enter.
  const picked = await onTerminal([`--root`, s.root, `--runroot`, s.runroot, `pull`, `library/busybox:1.37.0-glibc`], env, `Please select an image`, `\x1b[B\r`);
  t.is(picked.code, 0, picked.screen);
  t.regex(picked.screen, new RegExp(`${DEAD}/library/busybox:1\\.37\\.0-glibc`));
  t.true(picked.screen.includes(IDS.busyboxGlibc), picked.screen);
  const cache = readFileSync(join(env.XDG_CACHE_HOME!, `containers/short-name-aliases.conf`), `utf8`);
  t.regex(cache, new RegExp(`"library/busybox" = "${REGISTRY}/library/busybox"`));

  // The alias now answers without a terminal, for another tag too.
  const again = await s.run([`pull`, `-q`, `library/busybox:1.37.0-musl`], {env});
  t.is(again.code, 0, again.stderr);
  t.is(again.stdout.trim(), IDS.busyboxMusl);

  // Ctrl-C at the menu: nothing pulled, a clear error.
  const quit = await onTerminal([`--root`, s.root, `--runroot`, s.runroot, `pull`, `library/alpine:3.20.3`], env, `Please select an image`, `\x03`);
  t.is(quit.code, 125, quit.screen);
  t.regex(quit.screen, /short-name resolution: no image selected/);
});

test(`enforcing: run of a missing short name shows the same menu, pulls the pick and runs it`, async t => {
  const env = enforcingEnv();
  t.teardown(() => rmSync(join(env.XDG_CONFIG_HOME!, `..`), {recursive: true, force: true}));
  const s = tempStore();
  t.teardown(() => s.cleanup());
  const refused = await s.run([`run`, `--rm`, `library/alpine:3.20.3`, `true`], {env});
  t.is(refused.code, 125);
  t.regex(refused.stderr, /^Error: short-name resolution enforced but cannot prompt without a TTY/);

  const ran = await onTerminal([`--root`, s.root, `--runroot`, s.runroot, `run`, `--rm`, `--network`, `none`, `library/alpine:3.20.3`, `cat`, `/etc/alpine-release`], env, `Please select an image`, `\x1b[B\r`);
  t.is(ran.code, 0, ran.screen);
  t.regex(ran.screen, /\b3\.20\.3\b/);
  const cache = readFileSync(join(env.XDG_CACHE_HOME!, `containers/short-name-aliases.conf`), `utf8`);
  t.regex(cache, new RegExp(`"library/alpine" = "${REGISTRY}/library/alpine"`));
});

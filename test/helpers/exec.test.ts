// `tspod-helper exec` as tspod execve's it: no status fd, failures told on stderr in the
// words of the plan's `on-error` directives, a clean signal state whoever started it.
// Our own pid as the target: every namespace is ours already, so no container is needed.
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import test from 'ava';
import {HELPER_BIN} from '../_helpers/project';
import {execFailureRules} from '../../src/runtime/helperErrors';
import type {TspodError} from '../../src/engine/errors';

const tok = (kw: string, args: Array<string>) => [kw, String(args.length), ...args].map(s => `${s}\0`).join(``);
const rules = (list: Array<Array<string>>) => list.map(r => tok(`on-error`, r)).join(``);
const dir = mkdtempSync(join(tmpdir(), `tspod-helper-exec-`));
test.after.always(() => rmSync(dir, {recursive: true, force: true}));

let n = 0;
/** Runs `tspod-helper exec` with PLAN (our own pid prepended), through sh when `shell` wraps it. */
function helperExec(plan: string, shell = `exec "$@"`) {
  const file = join(dir, `plan-${n++}`);
  writeFileSync(file, tok(`pid`, [String(process.pid)]) + tok(`env`, [`PATH=/usr/bin:/bin`]) + plan);
  return spawnSync(`sh`, [`-c`, shell, `sh`, HELPER_BIN, `exec`, file], {encoding: `utf8`});
}

test(`a failure is told in the first matching rule's words: %m, %e and %% filled in`, t => {
  const r = helperExec(rules([
    [`exec`, `*`, `126`, `not this one (the code differs)\n`],
    [`setns`, `*`, `*`, `not this one (the stage differs)\n`],
    [`exec`, `ENOENT`, `127`, `Error: [%m] [%e] 100%% %x\n`],
    [`*`, `*`, `*`, `not this one (a rule before matched)\n`],
  ]) + tok(`args`, [`/nonexistent/cmd`]));
  t.is(r.status, 127);
  t.is(r.stderr, `Error: [exec \`/nonexistent/cmd\`: ENOENT] [enoent] 100% %x\n`);
});

test(`no rule, no status fd: the helper's own line`, t => {
  const r = helperExec(tok(`cwd`, [`/nonexistent`]) + tok(`args`, [`true`]));
  t.is(r.status, 126);
  t.is(r.stderr, `tspod-helper: chdir \`/nonexistent\`: ENOENT\n`);
});

test(`exec's rules say what tspod said from the status line`, t => {
  const text = (e: TspodError) => `Error: ${e.message}\n${e.hint ? `  fix: ${e.hint}\n` : ``}`;
  const run = (cmd: string, extra = ``) => helperExec(rules(execFailureRules(cmd, text)) + extra + tok(`args`, [cmd]));
  const nf = run(`no-such-cmd-%m`);
  t.is(nf.status, 127);
  t.is(nf.stderr, `Error: executable file \`no-such-cmd-%m\` not found in $PATH: no such file or directory\n  fix: check the command and the image's PATH\n`);
  const dirCmd = run(`/`);
  t.is(dirCmd.status, 126);
  t.regex(dirCmd.stderr, /^Error: `\/` cannot be executed: permission denied \(a directory, or a file without the x bit\)\n  fix: /);
  const cwd = run(`true`, tok(`cwd`, [`/nonexistent`]));
  t.is(cwd.status, 126);
  t.is(cwd.stderr, `Error: chdir \`/nonexistent\`: ENOENT\n  fix: check the -w/--workdir directory exists in the container\n`);
  const gone = helperExec(rules(execFailureRules(`true`, text)) + tok(`pid`, [`999999999`]) + tok(`args`, [`true`])); // the last `pid` counts
  t.is(gone.status, 125);
  t.is(gone.stderr, `Error: the container process \`999999999\` is gone: ENOENT\n`);
});

test(`under terminal the failure comes out on the helper's stderr, not the pty`, t => {
  const r = helperExec(rules([[`*`, `*`, `*`, `told: %m\n`]]) + tok(`terminal`, []) + tok(`args`, [`/nonexistent/cmd`]));
  t.is(r.status, 127);
  t.is(r.stderr, `told: exec \`/nonexistent/cmd\`: ENOENT\n`);
  t.is(r.stdout, ``);
});

test(`the command starts with no signal ignored or blocked, whatever the helper inherited`, t => {
  // Node ignores SIGPIPE and SIGXFSZ, and an execve from node passes that on.
  const r = helperExec(tok(`args`, [`grep`, `-E`, `^Sig(Ign|Blk)`, `/proc/self/status`]), `trap '' PIPE XFSZ INT; exec "$@"`);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, `SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n`);
});

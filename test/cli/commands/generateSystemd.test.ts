// generate systemd --new: the unit's command lines, and that they work when run as
// systemd would run them (%t and %n filled in), start to stop.
import test from 'ava';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';
import {splitWords} from '../../../src/engine/quadlet/quadlet';
import {rewriteCreate} from '../../../src/engine/verbs/generateSystemd';
import {TSPOD_BIN} from '../../_helpers/project';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE);
const {t} = pulled;

/** A unit's Exec line as argv, continued lines joined and %t/%n filled in. */
function execLine(unit: string, key: string, runtime: string, name: string): Array<string> {
  const joined = unit.replace(/ \\\n\t/g, ` `);
  const line = joined.split(`\n`).find(l => l.startsWith(`${key}=`))!.slice(key.length + 1);
  return splitWords(line.replace(/%t/g, runtime).replace(/%n/g, name).replace(/%%/g, `%`));
}

test(`the create command becomes run -d with the unit's flags; the user's own detach, rm, cidfile and name flags go`, t => {
  t.deepEqual(
    rewriteCreate([`--root`, `/r`, `create`, `--name`, `web`, `--rm`, `-dit`, `--cidfile`, `/x`, `-p`, `8080:80`, `--sdnotify=container`, `img`, `sh`, `-c`, `-d`], 12, `web`, true),
    [`--root`, `/r`, `run`, `--cidfile=%t/%n.ctr-id`, `--cgroups=no-conmon`, `--rm`, `--sdnotify=conmon`, `-d`, `--replace`, `--name`, `web`, `-it`, `-p`, `8080:80`, `img`, `sh`, `-c`, `-d`]);
  t.throws(() => rewriteCreate([`ps`], 1, `x`, false), {message: /not made by tspod run or create/});
});

test(`generate systemd --new --name: a Type=notify unit whose start, stop and stop-post lines run the container`, async tt => {
  tt.is((await t([`create`, `--name`, `unitweb`, `-e`, `RATE=100%`, ALPINE, `sh`, `-c`, `echo "rate $RATE"; sleep 1000`])).code, 0);
  const r = await t([`generate`, `systemd`, `--new`, `--name`, `-t`, `3`, `unitweb`]);
  tt.is(r.code, 0, r.stderr);
  const unit = r.stdout;
  for (const line of [`Type=notify`, `NotifyAccess=all`, `Restart=on-failure`, `TimeoutStopSec=63`, `WantedBy=default.target`, `ExecStartPre=/bin/rm -f %t/%n.ctr-id`])
    tt.true(unit.split(`\n`).includes(line), line);
  tt.regex(unit, /^# container-unitweb\.service/);
  tt.regex(unit, /RATE=100%%/, `a % of the user's is doubled for systemd`);
  for (const key of [`ExecStart`, `ExecStop`, `ExecStopPost`])
    tt.deepEqual(execLine(unit, key, `/run`, `u`).slice(1, 5), [`--root`, pulled.s.root, `--runroot`, pulled.s.runroot], `${key} uses the container's store`);
  // Run the lines as systemd would: the created container is replaced by the unit's.
  const runtime = mkdtempSync(join(tmpdir(), `tspod-unit-`));
  tt.teardown(() => rmSync(runtime, {recursive: true, force: true}));
  const name = `container-unitweb.service`;
  const run = async (key: string) => {
    const argv = execLine(unit, key, runtime, name);
    tt.is(argv[0], TSPOD_BIN.replace(/dist\/tspod\.js$/, `dist/tspod.js`));
    return t(argv.slice(1).filter((a, i, all) => !(i < 4 && (a === `--root` || a === `--runroot` || all[i - 1] === `--root` || all[i - 1] === `--runroot`))));
  };
  const start = await run(`ExecStart`);
  tt.is(start.code, 0, start.stderr);
  const id = readFileSync(join(runtime, `${name}.ctr-id`), `utf8`).trim();
  tt.regex(id, /^[0-9a-f]{64}$/);
  tt.is((await t([`inspect`, `--format`, `{{.State.Status}}`, `unitweb`])).stdout.trim(), `running`);
  for (let i = 0; i < 100 && !(await t([`logs`, `unitweb`])).stdout.includes(`rate`); i++) await new Promise(res => setTimeout(res, 50));
  tt.is((await t([`logs`, `unitweb`])).stdout, `rate 100%\n`);
  tt.is((await run(`ExecStop`)).code, 0);
  tt.is((await run(`ExecStopPost`)).code, 0);
  tt.is((await t([`container`, `exists`, `unitweb`])).code, 1, `--rm and the stop-post line removed it`);
  tt.true(existsSync(join(runtime, `${name}.ctr-id`)));
});

test(`generate systemd: --after/--wants/--requires, --env, --start-timeout and --format json`, async tt => {
  tt.is((await t([`create`, `--name`, `unitdeps`, ALPINE, `sleep`, `1000`])).code, 0);
  const r = await pulled.s.run([`generate`, `systemd`, `--new`, `--name`, `--no-header`, `--after`, `db.service`, `--wants`, `cache.service`, `--requires`, `db.service`,
    `--env`, `A=1`, `--env`, `FROM_HOST`, `--env`, `UNSET_HERE`, `--start-timeout`, `90`, `unitdeps`], {env: {...pulled.env, FROM_HOST: `h v`}});
  tt.is(r.code, 0, r.stderr);
  const lines = r.stdout.split(`\n`);
  for (const line of [`After=network-online.target`, `After=db.service`, `Wants=cache.service`, `Requires=db.service`, `Environment=A=1`, `Environment="FROM_HOST=h v"`, `TimeoutStartSec=90`])
    tt.true(lines.includes(line), line);
  tt.false(lines.some(l => l.includes(`UNSET_HERE`)), `a variable unset here is left out`);
  const json = await t([`generate`, `systemd`, `--new`, `--name`, `--format`, `json`, `unitdeps`]);
  tt.is(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout);
  tt.deepEqual(Object.keys(doc), [`container-unitdeps`]);
  tt.regex(doc[`container-unitdeps`], /^# container-unitdeps\.service/);
  await t([`rm`, `-f`, `-t`, `0`, `unitdeps`]);
});

test(`without --new, or for a missing container, a clear error`, async tt => {
  tt.is((await t([`create`, `--name`, `unitold`, ALPINE, `true`])).code, 0);
  const old = await t([`generate`, `systemd`, `unitold`]);
  tt.is(old.code, 125);
  tt.regex(old.stderr, /only --new units/);
  tt.is((await t([`generate`, `systemd`, `--new`, `nosuch`])).code, 125);
  tt.is((await t([`generate`, `systemd`, `--new`, `--restart-policy`, `sometimes`, `unitold`])).code, 125);
});

// kill -9 of a tspod command in the middle of create, start, stop, rm and commit, at
// random moments: the next command sees a consistent state, `rm -f` always finishes
// the job, and the store check finds nothing left half-done.
import test from 'ava';
import {spawn} from 'node:child_process';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';
import {TSPOD_BIN} from '../../_helpers/project';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE);
const {t} = pulled;
const ROUNDS = 4;

/** Starts `tspod args`, kills it with SIGKILL after `delay` ms (or lets it finish first). */
async function killAfter(args: Array<string>, delay: number): Promise<void> {
  const s = pulled.s;
  const child = spawn(process.execPath, [TSPOD_BIN, `--root`, s.root, `--runroot`, s.runroot, ...args], {env: {...process.env, ...pulled.env}, stdio: `ignore`});
  const closed = new Promise(resolve => child.once(`close`, resolve));
  await Promise.race([closed, new Promise(resolve => setTimeout(resolve, delay))]);
  child.kill(`SIGKILL`);
  await closed;
}

async function consistent(tt: {is: (a: unknown, b: unknown, m?: string) => void}, what: string, name: string): Promise<void> {
  const ps = await t([`ps`, `-a`, `--format`, `json`]);
  tt.is(ps.code, 0, `${what}: ps: ${ps.stderr}`);
  const rm = await t([`rm`, `-f`, `-t`, `0`, `--ignore`, name]);
  tt.is(rm.code, 0, `${what}: rm -f: ${rm.stderr}`);
  const after = JSON.parse((await t([`ps`, `-a`, `--format`, `json`])).stdout) as Array<{Names: Array<string>}>;
  tt.is(after.filter(c => c.Names.includes(name)).length, 0, `${what}: ${name} still listed`);
}

const VERBS: Array<{verb: string, setup: (name: string) => Promise<void>, args: (name: string) => Array<string>}> = [
  {verb: `create`, setup: async () => {}, args: n => [`create`, `--name`, n, `--network`, `none`, ALPINE, `sleep`, `100`]},
  {verb: `start`, setup: async n => { await t([`create`, `--name`, n, `--network`, `none`, ALPINE, `sleep`, `100`]); }, args: n => [`start`, n]},
  {verb: `stop`, setup: async n => { await t([`run`, `-d`, `--name`, n, `--network`, `none`, ALPINE, `sleep`, `100`]); }, args: n => [`stop`, `-t`, `1`, n]},
  {verb: `rm`, setup: async n => { await t([`run`, `-d`, `--name`, n, `--network`, `none`, ALPINE, `sleep`, `100`]); }, args: n => [`rm`, `-f`, `-t`, `0`, n]},
  {verb: `commit`, setup: async n => { await t([`run`, `--name`, n, `--network`, `none`, ALPINE, `sh`, `-c`, `echo x > /x`]); }, args: n => [`commit`, n, `killed-commit:${n}`]},
];

test.serial(`kill -9 of the CLI mid-verb leaves a state the next command can finish`, async tt => {
  for (const {verb, setup, args} of VERBS) {
    for (let i = 0; i < ROUNDS; i++) {
      const name = `k-${verb}-${i}`;
      await setup(name);
      const delay = Math.floor(Math.random() * 700);
      await killAfter(args(name), delay);
      await consistent(tt, `${verb} killed at ${delay} ms`, name);
    }
  }
  // A killed commit may or may not have made its image; whatever exists is whole.
  const images = JSON.parse((await t([`images`, `--format`, `json`])).stdout) as Array<{Id: string, Names?: Array<string>}>;
  for (const img of images.filter(i => (i.Names ?? []).some(n => n.includes(`killed-commit`)))) {
    const r = await t([`run`, `--rm`, `--network`, `none`, img.Id, `cat`, `/x`]);
    tt.is(r.stdout, `x\n`, r.stderr);
    tt.is((await t([`rmi`, `-f`, img.Id])).code, 0);
  }
  const check = await t([`system`, `check`]);
  tt.is(check.code, 0, check.stdout + check.stderr);
});

// A container run in the foreground (no monitor) is as visible as a detached one
// while it runs: inspect shows its pid, top lists its processes, exec joins it.
import test from 'ava';
import {SEEDED} from '../../_helpers/registry';
import {pulledStore} from '../../_helpers/pulledStore';

const ALPINE = SEEDED.alpine;
const pulled = pulledStore(ALPINE);
const {t} = pulled;

test(`a foreground run has a pid for inspect, top and exec`, async tt => {
  const running = t([`run`, `--rm`, `--name`, `fg`, `--network`, `none`, ALPINE, `sh`, `-c`, `touch /tmp/up; sleep 30`]);
  let pid = 0, last = ``;
  for (let i = 0; i < 300 && pid === 0; i++) {
    const r = await t([`exec`, `fg`, `test`, `-e`, `/tmp/up`]);
    last = r.stderr;
    if (r.code === 0) pid = Number((await t([`inspect`, `--format`, `{{.State.Pid}}`, `fg`])).stdout.trim());
    else await new Promise(ok => setTimeout(ok, 100));
  }
  tt.true(pid > 0, `no pid while it runs: ${last}`);
  const top = await t([`top`, `fg`, `pid`, `args`]);
  tt.is(top.code, 0, top.stderr);
  tt.regex(top.stdout, /^\s*1\s+sleep 30$/m); // sh execs its last command
  tt.is((await t([`exec`, `fg`, `echo`, `joined`])).stdout, `joined\n`);
  tt.is((await t([`kill`, `fg`])).code, 0);
  tt.not((await running).code, 0);
});

// Runs in the guest VM only (test/_harness/vm.mjs), as uid 1001 with a running
// `systemd --user`: socket activation of a container, as podman's. A .socket unit with
// Accept=yes starts `tspod run` for each connection, with the connection as fd 3 and
// LISTEN_FDS/LISTEN_PID set for tspod; the container gets the socket as its fd 3 and
// answers on it, and sees LISTEN_FDS=1 and LISTEN_PID=1 (its own first process).
import test from 'ava';
import {connect} from 'node:net';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {SEEDED} from '../_helpers/registry';
import {LONG, TSPOD, configureRegistry, journal, store, systemctl, userUnits} from './_guest';

const PORT = 18091;
const IMG = SEEDED.busyboxGlibc;

/** Connects and reads until the other end closes. */
function readAll(port: number, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, `127.0.0.1`);
    let data = ``;
    sock.setEncoding(`utf8`);
    sock.setTimeout(ms, () => sock.destroy(new Error(`no answer in ${ms} ms (got "${data}")`)));
    sock.on(`data`, d => { data += d; });
    sock.on(`end`, () => resolve(data));
    sock.on(`error`, reject);
  });
}

test.before(async () => {
  configureRegistry();
  // The unit's run would pull it too; here, so the connection's wait is the run alone.
  const pull = await store.run([`pull`, IMG], LONG);
  if (pull.code !== 0) throw new Error(`pull: ${pull.stderr}`);
});

test(`a .socket unit (Accept=yes) starts tspod run per connection: the container answers on the socket, fd 3, with LISTEN_FDS=1 and LISTEN_PID=1`, async t => {
  writeFileSync(join(userUnits, `tspodsa.socket`), [`[Socket]`, `ListenStream=127.0.0.1:${PORT}`, `Accept=yes`, ``].join(`\n`));
  // `$$`: systemd's own expansion would empty $LISTEN_FDS before the shell sees it.
  writeFileSync(join(userUnits, `tspodsa@.service`), [
    `[Service]`, `TimeoutStartSec=400`,
    `ExecStart=${TSPOD} run --rm --network none ${IMG} sh -c 'echo "hello fds=$$LISTEN_FDS pid=$$LISTEN_PID" >&3; exec ls /proc/self/fd >&3'`, ``,
  ].join(`\n`));
  t.is(systemctl(`daemon-reload`).status, 0);
  t.is(systemctl(`start`, `tspodsa.socket`).status, 0, journal(`tspodsa.socket`));
  t.teardown(() => { systemctl(`stop`, `tspodsa.socket`); });
  let answer: string;
  try {
    answer = await readAll(PORT, 300_000);
  } catch (err) {
    t.fail(`${(err as Error).message}\n${journal(`tspodsa@*.service`)}`);
    return;
  }
  t.is(answer.split(`\n`)[0], `hello fds=1 pid=1`);
  // The container's process has the socket as fd 3 and nothing beyond it (4 is ls's directory).
  t.deepEqual(answer.trim().split(`\n`).slice(1), [`0`, `1`, `2`, `3`, `4`]);
});

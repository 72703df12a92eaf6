// A second process for fdWriter.test.ts. `big N`: N bytes (a repeating 0-250 pattern) to
// stdout through FdWriter, after making Node's own stream on the pipe (libuv then puts
// O_NONBLOCK on it, shared with our fd). `late`: writes once the reader is gone. `tty`:
// isTerminal and Node's isatty for fds 0, 1 and 2, as JSON on stderr.
import {writeSync} from 'node:fs';
import {isatty} from 'node:tty';
import {FdWriter, isTerminal} from '../../../src/util/fdWriter';

const [what, arg] = process.argv.slice(2);
const out = new FdWriter(1, () => process.stdout);
if (what === `big`) {
  void process.stdout;
  const data = Buffer.alloc(Number(arg));
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  out.write(data);
} else if (what === `late`) {
  setTimeout(() => {
    for (let i = 0; i < 100; i++) out.write(`${`x`.repeat(1000)}\n`);
    writeSync(2, `still running after EPIPE\n`);
  }, 300);
} else if (what === `tty`) {
  writeSync(2, `${JSON.stringify([0, 1, 2].map(fd => [isTerminal(fd), isatty(fd)]))}\n`);
}

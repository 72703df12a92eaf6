// Signal names and numbers as the user gives them (`TERM`, `SIGTERM`, `15`): kill -s,
// --stop-signal and the image's StopSignal.
import {constants as osConstants} from 'node:os';
import {TspodError} from './errors';

/** `TERM`, `SIGTERM`, `15` → a signal number. */
export function parseSignal(s: string): number {
  const t = s.trim().toUpperCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = (t.startsWith(`SIG`) ? t : `SIG${t}`) as keyof typeof osConstants.signals;
    const n = osConstants.signals[name];
    if (n !== undefined) return n;
    const rt = /^SIGRTMIN\+(\d+)$/.exec(t);
    if (rt) return 34 + Number(rt[1]);
  }
  throw new TspodError(`InvalidArgument`, `invalid signal: ${s}`, {hint: `use a name like SIGTERM or TERM, or a number like 15`});
}

/** The canonical name of a signal number (`SIGTERM`), or `SIGRTMIN+N`. */
export function signalName(n: number): string {
  for (const [name, v] of Object.entries(osConstants.signals)) if (v === n && name !== `SIGIOT` && name !== `SIGPOLL`) return name;
  return n >= 34 ? `SIGRTMIN+${n - 34}` : String(n);
}

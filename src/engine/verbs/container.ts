// Small container verbs: rename, exists, top.
import {emitContainer} from '../events/emit';
import {readFileSync, readdirSync, readlinkSync} from 'node:fs';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {checkContainerName} from '../run/options';
import {mustLookup, nameOf, openContainers, refresh, withContainerLock} from '../lifecycle/containers';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';

export async function renameContainer(ctx: EngineContext, o: {container: string, name: string}): Promise<void> {
  checkContainerName(o.name);
  const cs = openContainers(ctx);
  try {
    const c = await mustLookup(cs, o.container);
    await withContainerLock(ctx, c.id, () => cs!.mutate(records => {
      const owner = records.find(r => r.names.includes(o.name));
      if (owner && owner.id !== c.id) throw new TspodError(`NameInUse`, `the container name "${o.name}" is already in use by ${owner.id}. You have to remove that container to be able to reuse that name: that name is already in use`);
      const r = records.find(x => x.id === c.id);
      if (!r) throw new TspodError(`NoSuchContainer`, `no container with name or ID "${o.container}" found: no such container`);
      r.names = [o.name];
    }));
    emitContainer(ctx, {...c, names: [o.name]}, `rename`);
  } finally {
    cs?.close();
  }
}

export async function containerExists(ctx: EngineContext, o: {container: string}): Promise<boolean> {
  const cs = openContainers(ctx);
  try {
    return cs ? (await cs.lookup(o.container)) !== undefined : false;
  } finally {
    cs?.close();
  }
}

interface ProcRow {pid: number, ppid: number, user: string, args: string, comm: string, etime: string, time: string, tty: string}

function procRow(pid: number, rootPid: number, hz = 100): ProcRow | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, `utf8`);
    const close = stat.lastIndexOf(`)`);
    const comm = stat.slice(stat.indexOf(`(`) + 1, close);
    const f = stat.slice(close + 2).split(` `);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, `utf8`).split(`\0`).filter(Boolean).join(` `);
    const status = readFileSync(`/proc/${pid}/status`, `utf8`);
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? `?`;
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).pop();
    const uptime = Number(readFileSync(`/proc/uptime`, `utf8`).split(` `)[0]);
    const startS = Number(f[19]) / hz;
    const cpuS = Math.floor((Number(f[11]) + Number(f[12])) / hz);
    const fmt = (s: number) => `${Math.floor(s / 3600)}h${Math.floor(s % 3600 / 60)}m${(s % 60).toFixed(0)}s`.replace(/^0h/, ``).replace(/^0m/, ``);
    const ppid = pid === rootPid ? 0 : Number(/^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${f[1]}/status`, `utf8`))?.[1]?.trim().split(/\s+/).pop() ?? 0);
    return {pid: Number(nspid ?? pid), ppid, user: userIn(rootPid, Number(uid)), args: cmd || `[${comm}]`, comm, etime: fmt(Math.max(0, uptime - startS)), time: fmt(cpuS), tty: `?`};
  } catch {
    return undefined;
  }
}

/** A host uid as the container sees it (its uid_map), by name from its /etc/passwd. */
function userIn(rootPid: number, hostId: number): string {
  let id = hostId;
  try {
    for (const line of readFileSync(`/proc/${rootPid}/uid_map`, `utf8`).trim().split(`\n`)) {
      const [inside, outside, size] = line.trim().split(/\s+/).map(Number);
      if (hostId >= outside! && hostId < outside! + size!) id = inside! + hostId - outside!;
    }
    for (const line of readFileSync(`/proc/${rootPid}/root/etc/passwd`, `utf8`).split(`\n`)) {
      const p = line.split(`:`);
      if (Number(p[2]) === id && p[0]) return p[0];
    }
  } catch {}
  return String(id);
}

/** Host pids in the pid namespace of `root` (the container's init): those whose NSpid has it. */
function descendants(root: number): Array<number> {
  let nsIno: string | undefined;
  try { nsIno = readlinkSafe(`/proc/${root}/ns/pid`); } catch {}
  const out: Array<number> = [];
  for (const d of readdirSync(`/proc`)) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (pid === root) { out.push(pid); continue; }
    if (nsIno && readlinkSafe(`/proc/${pid}/ns/pid`) === nsIno) out.push(pid);
  }
  return out.sort((a, b) => a - b);
}

function readlinkSafe(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

const DESCRIPTORS: Record<string, [string, (r: ProcRow) => string]> = {
  user: [`USER`, r => r.user],
  pid: [`PID`, r => String(r.pid)],
  ppid: [`PPID`, r => String(r.ppid)],
  pcpu: [`%CPU`, () => `0.000`],
  etime: [`ELAPSED`, r => r.etime],
  tty: [`TTY`, r => r.tty],
  time: [`TIME`, r => r.time],
  args: [`COMMAND`, r => r.args],
  comm: [`COMMAND`, r => r.comm],
};

export async function topContainer(ctx: EngineContext, o: {container: string, descriptors: Array<string>}): Promise<Array<Array<string>>> {
  const cs = openContainers(ctx);
  try {
    const c = await refresh(ctx, cs!, await mustLookup(cs, o.container));
    const m = c.metadata as LifeMeta;
    if (!isRunning(m) || typeof m.pid !== `number`)
      throw new TspodError(`CtrStateInvalid`, `top can only be used on running containers: container ${nameOf(c)} is ${m.state === `stopped` ? `exited` : m.state}: container state improper`);
    const desc = o.descriptors.length ? o.descriptors.flatMap(d => d.split(`,`)) : [`user`, `pid`, `ppid`, `pcpu`, `etime`, `tty`, `time`, `args`];
    for (const d of desc) if (!DESCRIPTORS[d]) throw new TspodError(`InvalidArgument`, `unknown descriptor: ${d}`, {hint: `use ${Object.keys(DESCRIPTORS).join(`, `)}`});
    const rows = descendants(m.pid).map(p => procRow(p, m.pid!)).filter((r): r is ProcRow => r !== undefined);
    return [desc.map(d => DESCRIPTORS[d]![0]), ...rows.map(r => desc.map(d => DESCRIPTORS[d]![1](r)))];
  } finally {
    cs?.close();
  }
}

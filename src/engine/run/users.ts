// `-u user[:group]` and the image's User resolved against the image's /etc/passwd and
// /etc/group (podman's pkg/lookup). The files are read from the layer directories
// on the host, top layer first, with every symlink resolved inside the image's
// root so an image cannot make tspod read a host file.
import {lstatSync, readFileSync, readlinkSync} from 'node:fs';
import type {Stats} from 'node:fs';
import {join} from 'node:path';
import {TspodError} from '../errors';
import {parseUserSpec} from './options';

/** Reads a file of the image's tree; undefined when it does not exist. */
export type RootReader = (path: string) => string | undefined;

const MAX_LINKS = 40;

/**
 * A reader over stacked layer directories (top first), overlay semantics: the first
 * layer that has an entry decides; a 0/0 character device (whiteout) hides it.
 */
export function layeredReader(layers: ReadonlyArray<string>): RootReader {
  const resolve = layeredResolver(layers);
  return (path: string) => {
    const hit = resolve(path);
    if (!hit || !hit.st.isFile()) return undefined;
    try {
      return readFileSync(hit.path, `utf8`);
    } catch {
      return undefined;
    }
  };
}

/** True when `path` is a directory in the stacked layers (symlinks resolved inside the root). */
export function layeredIsDir(layers: ReadonlyArray<string>, path: string): boolean {
  return layeredResolver(layers)(path)?.st.isDirectory() ?? false;
}

function layeredResolver(layers: ReadonlyArray<string>): (path: string) => {path: string, st: Stats} | undefined {
  const lookup = (rel: string) => {
    for (const dir of layers) {
      const p = join(dir, rel);
      try {
        const st = lstatSync(p);
        if (st.isCharacterDevice() && st.rdev === 0) return undefined;
        return {path: p, st};
      } catch {}
    }
    return undefined;
  };
  return (path: string) => {
    let parts = path.split(`/`).filter(Boolean);
    const done: Array<string> = [];
    let links = 0;
    while (parts.length > 0) {
      const part = parts.shift()!;
      if (part === `.`) continue;
      if (part === `..`) {
        done.pop();
        continue;
      }
      const rel = [...done, part].join(`/`);
      const hit = lookup(rel);
      if (!hit) return undefined;
      if (hit.st.isSymbolicLink()) {
        if (++links > MAX_LINKS) return undefined;
        const target = readlinkSync(hit.path);
        if (target.startsWith(`/`)) done.length = 0;
        parts = [...target.split(`/`).filter(Boolean), ...parts];
        continue;
      }
      if (parts.length === 0) return hit;
      if (!hit.st.isDirectory()) return undefined;
      done.push(part);
    }
    return lookup(done.join(`/`)) ?? (done.length === 0 ? {path: layers[0] ?? `/`, st: lstatSync(layers[0] ?? `/`)} : undefined);
  };
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: Array<string>;
}

export function parsePasswd(text: string | undefined): Array<PasswdEntry> {
  const out: Array<PasswdEntry> = [];
  for (const line of (text ?? ``).split(`\n`)) {
    if (line.startsWith(`#`)) continue;
    const f = line.split(`:`);
    if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue;
    out.push({name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]!});
  }
  return out;
}

export function parseGroup(text: string | undefined): Array<GroupEntry> {
  const out: Array<GroupEntry> = [];
  for (const line of (text ?? ``).split(`\n`)) {
    if (line.startsWith(`#`)) continue;
    const f = line.split(`:`);
    if (f.length < 4 || !/^\d+$/.test(f[2]!)) continue;
    out.push({name: f[0]!, gid: Number(f[2]), members: f[3]!.split(`,`).map(s => s.trim()).filter(Boolean)});
  }
  return out;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: Array<number>;
  /** HOME from passwd, `/` when the user has no entry. */
  home: string;
  name?: string;
}

/** podman's rules: numeric ids need no entry; names must exist; supplementary groups from /etc/group. */
export function resolveUser(spec: string | undefined, read: RootReader): ResolvedUser {
  if (spec === undefined || spec === ``) spec = `0`;
  const {user, group} = parseUserSpec(spec);
  const passwd = parsePasswd(read(`/etc/passwd`));
  let uid: number, gid = 0, home = `/`, name: string | undefined;
  const numeric = /^\d+$/.test(user);
  const entry = numeric ? passwd.find(p => p.uid === Number(user)) : passwd.find(p => p.name === user);
  if (entry) {
    uid = entry.uid;
    gid = entry.gid;
    home = entry.home || `/`;
    name = entry.name;
  } else if (numeric) {
    uid = Number(user);
  } else {
    throw new TspodError(`InvalidArgument`, `unable to find user ${user}: no matching entries in passwd file`, {hint: `give a user that exists in the image, or a numeric uid`});
  }
  const groups = parseGroup(read(`/etc/group`));
  if (group !== undefined) {
    if (/^\d+$/.test(group)) {
      gid = Number(group);
    } else {
      const g = groups.find(x => x.name === group);
      if (!g) throw new TspodError(`InvalidArgument`, `unable to find group ${group}: no matching entries in group file`, {hint: `give a group that exists in the image, or a numeric gid`});
      gid = g.gid;
    }
  }
  const additionalGids = name === undefined ? [] : groups.filter(g => g.members.includes(name!) && g.gid !== gid).map(g => g.gid);
  const r: ResolvedUser = {uid, gid, additionalGids: [...new Set(additionalGids)], home};
  if (name !== undefined) r.name = name;
  return r;
}

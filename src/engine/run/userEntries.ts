// A numeric user the image does not know gets an /etc/passwd entry (and its group an
// /etc/group one) in the container, as podman gives them: without one, `whoami`,
// getpwuid(3) and the tools built on it (git, ssh, Python's getpass) fail with
// "unknown uid". The image's files stay untouched: the new texts are bound over them
// from the init layer, like /etc/hosts.
import {parseGroup, parsePasswd} from './users';
import type {ResolvedUser, RootReader} from './users';
import {parseUserSpec} from './options';

export interface AddedEntries {
  /** The image's /etc/passwd with the user's entry appended, when one was missing. */
  passwd?: string;
  /** The image's /etc/group with the group's entry appended, when one was missing. */
  group?: string;
  /** The new entry's home (the working directory, as podman), for HOME. */
  home?: string;
}

const append = (text: string, line: string) => `${text}${text === `` || text.endsWith(`\n`) ? `` : `\n`}${line}\n`;

/**
 * podman's entries: `UID:*:UID:GID:container user:WORKDIR:/bin/sh` in passwd, and
 * `GID:x:GID:USER` in group for a numeric group it lacks (the uid stands for the group
 * when `--user` names none and the user itself was missing). Only images that have the
 * file get a line in it.
 */
export function missingUserEntries(spec: string | undefined, user: ResolvedUser, read: RootReader, workdir: string): AddedEntries {
  if (spec === undefined || spec === ``) return {};
  const {user: userPart, group: groupPart} = parseUserSpec(spec);
  const out: AddedEntries = {};
  const passwd = read(`/etc/passwd`);
  const userMissing = /^\d+$/.test(userPart) && !parsePasswd(passwd).some(p => p.uid === user.uid);
  if (userMissing && passwd !== undefined) {
    out.home = workdir;
    out.passwd = append(passwd, `${user.uid}:*:${user.uid}:${user.gid}:container user:${workdir}:/bin/sh`);
  }
  const gid = groupPart === undefined ? (userMissing ? user.uid : undefined) : (/^\d+$/.test(groupPart) ? Number(groupPart) : undefined);
  const group = read(`/etc/group`);
  if (gid !== undefined && group !== undefined && !parseGroup(group).some(g => g.gid === gid))
    out.group = append(group, `${gid}:x:${gid}:${userPart}`);
  return out;
}

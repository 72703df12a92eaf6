// node:fs/promises, loaded on the first call: requiring it loads fs/promises with
// readline's interface, the fs watchers and more (~3 ms of a command's start), and a
// command that only reads the store (ps, logs, images) calls none of it.
import fs from 'node:fs';

type Fsp = typeof import('node:fs/promises');

/** The function `name` of fs.promises (a getter that loads the module), with its overloads. */
function lazy<K extends keyof Fsp>(name: K): Fsp[K] {
  return ((...args: Array<unknown>) => (fs.promises[name] as (...a: Array<unknown>) => unknown)(...args)) as Fsp[K];
}

export const mkdir = lazy(`mkdir`);
export const mkdtemp = lazy(`mkdtemp`);
export const open = lazy(`open`);
export const readFile = lazy(`readFile`);
export const readdir = lazy(`readdir`);
export const readlink = lazy(`readlink`);
export const rename = lazy(`rename`);
export const rm = lazy(`rm`);
export const rmdir = lazy(`rmdir`);
export const stat = lazy(`stat`);
export const symlink = lazy(`symlink`);
export const unlink = lazy(`unlink`);
export const writeFile = lazy(`writeFile`);

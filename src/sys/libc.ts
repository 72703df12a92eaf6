// The one place that loads koffi and libc, lazily, the first time a binding is
// used: commands that never need a syscall never pay for loading the native module.
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import type * as Koffi from 'koffi';

export interface Libc {
  koffi: typeof Koffi;
  flock(fd: number, op: number): number;
  mknod(path: string, mode: number, dev: bigint | number): number;
  lsetxattr(path: string, name: string, value: Buffer, size: number, flags: number): number;
  lgetxattr(path: string, name: string, value: Buffer | null, size: number): number;
  llistxattr(path: string, list: Buffer | null, size: number): number;
  renameat2(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number;
  pipe2(fds: Array<number>, flags: number): number;
  fcntl(fd: number, cmd: number, ...rest: Array<unknown>): number;
  dup2(from: number, to: number): number;
  memfd_create(name: string, flags: number): number;
  execve(path: string, argv: Array<string | null>, envp: Array<string | null>): number;
  waitpid(pid: number, status: Array<number>, options: number): number;
  posix_spawn(pid: Array<number>, path: string, fileActions: Buffer, attr: Buffer, argv: Array<string | null>, envp: Array<string | null>): number;
  posix_spawn_file_actions_init(fa: Buffer): number;
  posix_spawn_file_actions_destroy(fa: Buffer): number;
  posix_spawn_file_actions_adddup2(fa: Buffer, fd: number, newfd: number): number;
  posix_spawnattr_init(attr: Buffer): number;
  posix_spawnattr_destroy(attr: Buffer): number;
  posix_spawnattr_setflags(attr: Buffer, flags: number): number;
  posix_spawnattr_setsigmask(attr: Buffer, set: Buffer): number;
  posix_spawnattr_setsigdefault(attr: Buffer, set: Buffer): number;
}

let cached: Libc | undefined;

/**
 * koffi's own entry (index.cjs) probes the ABI and several paths before it loads its
 * native module: about 12 ms of a command's startup here, against 3 ms for loading
 * the prebuilt module directly. Load it directly when it is where npm puts it (next
 * to dist/ in the project or the install) and its version is koffi's; else koffi's way.
 */
function loadKoffi(): typeof Koffi {
  const modules = join(__dirname, `../node_modules`);
  const native = join(modules, `@koromix/koffi-${process.platform}-${process.arch}/${process.platform}_${process.arch}/koffi.node`);
  if (existsSync(native)) {
    try {
      const mod = {exports: {} as typeof Koffi & {version?: string}};
      process.dlopen(mod, native);
      const {version} = JSON.parse(readFileSync(join(modules, `koffi/package.json`), `utf8`)) as {version: string};
      if (mod.exports.version === version) return mod.exports;
    } catch {
      // fall through to koffi's loader, which explains what is wrong
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`koffi`) as typeof Koffi;
}

export function libc(): Libc {
  if (cached) return cached;
  const koffi = loadKoffi();
  const lib = koffi.load(`libc.so.6`);
  cached = {
    koffi,
    flock: lib.func(`int flock(int fd, int op)`),
    mknod: lib.func(`int mknod(const char *path, uint32_t mode, uint64_t dev)`),
    lsetxattr: lib.func(`int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)`),
    lgetxattr: lib.func(`intptr_t lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)`),
    llistxattr: lib.func(`intptr_t llistxattr(const char *path, _Out_ void *list, size_t size)`),
    renameat2: lib.func(`int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)`),
    pipe2: lib.func(`int pipe2(_Out_ int *fds, int flags)`),
    fcntl: lib.func(`int fcntl(int fd, int cmd, ...)`),
    dup2: lib.func(`int dup2(int oldfd, int newfd)`),
    memfd_create: lib.func(`int memfd_create(const char *name, unsigned int flags)`),
    execve: lib.func(`int execve(const char *path, const char **argv, const char **envp)`),
    waitpid: lib.func(`int waitpid(int pid, _Out_ int *status, int options)`),
    posix_spawn: lib.func(`int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)`),
    posix_spawn_file_actions_init: lib.func(`int posix_spawn_file_actions_init(void *fa)`),
    posix_spawn_file_actions_destroy: lib.func(`int posix_spawn_file_actions_destroy(void *fa)`),
    posix_spawn_file_actions_adddup2: lib.func(`int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)`),
    posix_spawnattr_init: lib.func(`int posix_spawnattr_init(void *attr)`),
    posix_spawnattr_destroy: lib.func(`int posix_spawnattr_destroy(void *attr)`),
    posix_spawnattr_setflags: lib.func(`int posix_spawnattr_setflags(void *attr, short flags)`),
    posix_spawnattr_setsigmask: lib.func(`int posix_spawnattr_setsigmask(void *attr, const void *set)`),
    posix_spawnattr_setsigdefault: lib.func(`int posix_spawnattr_setsigdefault(void *attr, const void *set)`),
  };
  return cached;
}

/** errno of the last call on this thread; read it right after the call. */
export function lastErrno(): number {
  return libc().koffi.errno();
}

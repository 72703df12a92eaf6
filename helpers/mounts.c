#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "mounts.h"
#include "utils.h"


int
mounts_open_in_root (int rootfd, const char *path, int flags)
{
  struct open_how how;
  memset (&how, 0, sizeof how);
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  return (int) syscall (SYS_openat2, rootfd, path, &how, sizeof how);
}

static const char *
root_of (struct mount_ctx *m)
{
  return m->pivoted ? "/" : m->rootfs;
}

int
mounts_ensure_root (struct mount_ctx *m, helper_error_t *err)
{
  if (m->root_mounted || m->pivoted)
    return 0;
  if (m->rootfs == NULL)
    return helper_make_error (err, 0, "mount", "plan has no `rootfs` directive before its mounts");
  if (mount (m->rootfs, m->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return helper_make_error (err, errno, "mount", "bind `%s` on itself", m->rootfs);
  m->root_mounted = 1;
  return 0;
}

int
mounts_rootfs_mount (struct mount_ctx *m, const char *type, const char *source,
                     unsigned long flags, const char *data, helper_error_t *err)
{
  if (m->rootfs == NULL)
    return helper_make_error (err, 0, "mount", "plan has no `rootfs` directive before `rootfs-mount`");
  if (strcmp (type, "bind") == 0)
    flags |= MS_BIND | MS_REC;
  if (mount (source, m->rootfs, strcmp (type, "bind") == 0 ? NULL : type, flags, *data ? data : NULL) < 0)
    return helper_make_error (err, errno, "mount", "mount `%s` on `%s`", type, m->rootfs);
  m->root_mounted = 1;
  return 0;
}

/* Open (O_PATH) PATH inside the root, creating missing directories on the way and,
   when LEAF_FILE, an empty file as the last component. Every lookup is openat2
   RESOLVE_IN_ROOT, so symlinks can never lead out of the root. */
static int
open_or_create (int rootfd, const char *path, int leaf_file, int create, helper_error_t *err)
{
  cleanup_free char *copy = xstrdup (path);
  cleanup_close int parent = -1;
  char *p, *slash;
  int fd = mounts_open_in_root (rootfd, path, O_PATH);
  if (fd >= 0 || errno != ENOENT || !create)
    {
      if (fd < 0)
        return helper_make_error (err, errno, "mount", "open `%s` in the container", path);
      return fd;
    }
  parent = mounts_open_in_root (rootfd, "/", O_PATH | O_DIRECTORY);
  if (parent < 0)
    return helper_make_error (err, errno, "mount", "open container root");
  for (p = copy; *p == '/'; p++)
    ;
  while (*p)
    {
      int last, next;
      slash = strchr (p, '/');
      if (slash)
        *slash = '\0';
      last = slash == NULL || slash[1 + strspn (slash + 1, "/")] == '\0';
      if (*p && strcmp (p, ".") != 0)
        {
          /* Resolve the prefix so far from the root, then create the single name in it. */
          next = mounts_open_in_root (rootfd, copy, O_PATH);
          if (next < 0 && errno == ENOENT)
            {
              int r;
              if (last && leaf_file)
                {
                  r = openat (parent, p, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                  if (r >= 0)
                    close (r);
                }
              else
                r = mkdirat (parent, p, 0755);
              if (r < 0 && errno != EEXIST)
                return helper_make_error (err, errno, "mount", "create `%s` in the container", copy);
              next = mounts_open_in_root (rootfd, copy, O_PATH);
            }
          if (next < 0)
            return helper_make_error (err, errno, "mount", "open `%s` in the container", copy);
          close (parent);
          parent = next;
        }
      if (slash == NULL)
        break;
      *slash = '/';
      p = slash + 1;
    }
  fd = parent;
  parent = -1;
  return fd;
}

static unsigned long
locked_flags_of (const char *path)
{
  struct statvfs sv;
  unsigned long f = 0;
  if (statvfs (path, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (sv.f_flag & ST_RDONLY)
    f |= MS_RDONLY;
  if (sv.f_flag & ST_NOATIME)
    f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME)
    f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME)
    f |= MS_RELATIME;
  return f;
}

/* Remount the bind mount at PROCPATH with FLAGS (read-only etc.); in a user namespace
   the flags locked by the original mount must be kept, so retry with them. */
static int
remount_bind (const char *procpath, const char *shown, unsigned long flags, helper_error_t *err)
{
  unsigned long keep = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME;
  if (mount (NULL, procpath, NULL, MS_REMOUNT | MS_BIND | (flags & keep), NULL) == 0)
    return 0;
  if (errno == EPERM
      && mount (NULL, procpath, NULL, MS_REMOUNT | MS_BIND | (flags & keep) | locked_flags_of (procpath), NULL) == 0)
    return 0;
  return helper_make_error (err, errno, "mount", "remount `%s` read-only", shown);
}

int
mounts_mount (struct mount_ctx *m, const char *source, const char *dest, const char *type,
              unsigned long flags, const char *data, helper_error_t *err)
{
  cleanup_close int rootfd = -1;
  cleanup_close int target = -1;
  char procpath[64];
  struct stat st;
  int is_bind = (flags & MS_BIND) || strcmp (type, "bind") == 0;
  int leaf_file = 0;

  if (mounts_ensure_root (m, err) < 0)
    return -1;
  rootfd = open (root_of (m), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return helper_make_error (err, errno, "mount", "open `%s`", root_of (m));
  if (is_bind)
    {
      if (stat (source, &st) < 0)
        return helper_make_error (err, errno, "mount", "stat bind source `%s`", source);
      leaf_file = !S_ISDIR (st.st_mode);
    }
  target = open_or_create (rootfd, dest, leaf_file, 1, err);
  if (target < 0)
    return -1;
  snprintf (procpath, sizeof procpath, "/proc/self/fd/%d", target);
  if (is_bind)
    {
      if (mount (source, procpath, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
        return helper_make_error (err, errno, "mount", "bind `%s` on `%s`", source, dest);
      if (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC))
        {
          /* The fd still names the covered dentry: reopen to reach the new mount. */
          close (target);
          target = open_or_create (rootfd, dest, 0, 0, err);
          if (target < 0)
            return -1;
          snprintf (procpath, sizeof procpath, "/proc/self/fd/%d", target);
          if (remount_bind (procpath, dest, flags, err) < 0)
            return -1;
        }
      return 0;
    }
  if (mount (source, procpath, type, flags, *data ? data : NULL) < 0)
    return helper_make_error (err, errno, "mount", "mount `%s` on `%s`", type, dest);
  return 0;
}

int
mounts_symlink (struct mount_ctx *m, const char *target, const char *dest, helper_error_t *err)
{
  cleanup_close int rootfd = -1;
  cleanup_close int parent = -1;
  cleanup_free char *dir = xstrdup (dest);
  char *slash = strrchr (dir, '/');
  const char *name = dest;
  if (mounts_ensure_root (m, err) < 0)
    return -1;
  rootfd = open (root_of (m), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return helper_make_error (err, errno, "mount", "open `%s`", root_of (m));
  if (slash)
    {
      *slash = '\0';
      name = slash + 1;
    }
  else
    dir[0] = '\0';
  parent = open_or_create (rootfd, *dir ? dir : "/", 0, 1, err);
  if (parent < 0)
    return -1;
  if (symlinkat (target, parent, name) < 0 && errno != EEXIST)
    return helper_make_error (err, errno, "mount", "symlink `%s` to `%s`", dest, target);
  return 0;
}

int
mounts_pivot (struct mount_ctx *m, helper_error_t *err)
{
  if (mounts_ensure_root (m, err) < 0)
    return -1;
  if (chdir (m->rootfs) < 0)
    return helper_make_error (err, errno, "pivot", "chdir `%s`", m->rootfs);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return helper_make_error (err, errno, "pivot", "pivot_root `%s`", m->rootfs);
  /* The old root is stacked under the new one: make it private, then detach it. */
  if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return helper_make_error (err, errno, "pivot", "make old root rslave");
  if (umount2 (".", MNT_DETACH) < 0)
    return helper_make_error (err, errno, "pivot", "detach old root");
  if (chdir ("/") < 0)
    return helper_make_error (err, errno, "pivot", "chdir `/`");
  m->pivoted = 1;
  return 0;
}

int
mounts_mask (struct mount_ctx *m, const char *path, helper_error_t *err)
{
  cleanup_close int rootfd = open (root_of (m), O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int target = -1;
  char procpath[64];
  struct stat st;
  if (rootfd < 0)
    return helper_make_error (err, errno, "mask", "open `%s`", root_of (m));
  target = mounts_open_in_root (rootfd, path, O_PATH);
  if (target < 0)
    {
      if (errno == ENOENT)
        return 0;
      return helper_make_error (err, errno, "mask", "open `%s` in the container", path);
    }
  if (fstat (target, &st) < 0)
    return helper_make_error (err, errno, "mask", "stat `%s`", path);
  snprintf (procpath, sizeof procpath, "/proc/self/fd/%d", target);
  if (S_ISDIR (st.st_mode))
    {
      if (mount ("tmpfs", procpath, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k,nr_inodes=1") < 0)
        return helper_make_error (err, errno, "mask", "mount `tmpfs` on `%s`", path);
      return 0;
    }
  if (mount ("/dev/null", procpath, NULL, MS_BIND, NULL) < 0)
    return helper_make_error (err, errno, "mask", "bind `/dev/null` on `%s`", path);
  return 0;
}

int
mounts_readonly (struct mount_ctx *m, const char *path, helper_error_t *err)
{
  cleanup_close int rootfd = open (root_of (m), O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int target = -1;
  char procpath[64];
  if (rootfd < 0)
    return helper_make_error (err, errno, "readonly", "open `%s`", root_of (m));
  target = mounts_open_in_root (rootfd, path, O_PATH);
  if (target < 0)
    {
      if (errno == ENOENT)
        return 0;
      return helper_make_error (err, errno, "readonly", "open `%s` in the container", path);
    }
  snprintf (procpath, sizeof procpath, "/proc/self/fd/%d", target);
  if (mount (procpath, procpath, NULL, MS_BIND | MS_REC, NULL) < 0)
    return helper_make_error (err, errno, "readonly", "bind `%s` on itself", path);
  close (target);
  target = mounts_open_in_root (rootfd, path, O_PATH);
  if (target < 0)
    return helper_make_error (err, errno, "readonly", "open `%s` in the container", path);
  snprintf (procpath, sizeof procpath, "/proc/self/fd/%d", target);
  return remount_bind (procpath, path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err);
}

int
mounts_root_readonly (struct mount_ctx *m, helper_error_t *err)
{
  if (!m->pivoted)
    return helper_make_error (err, 0, "mount", "`root-readonly` must come after `pivot`");
  return remount_bind ("/", "/", MS_RDONLY, err);
}

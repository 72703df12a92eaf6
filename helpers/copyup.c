/* `copy-up`: a volume's first use gets the image's content at its destination (podman's
   copy-up), with owners, modes, times and symlinks kept. Done by the container's own
   setup (root in its user namespace, so subordinate owners can be set) before the
   volume is mounted over that content. Every lookup below the two starting points is
   relative to a directory fd with O_NOFOLLOW, so no symlink is ever followed, in the
   image or in the volume. Hard links become separate files; xattrs are not copied. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "copyup.h"
#include "mounts.h"
#include "plan.h"
#include "utils.h"

/* An owner the user namespace does not map (a single-id map) cannot be kept: EINVAL. */
static int
chown_ok (int r)
{
  return r == 0 || errno == EINVAL;
}

/* Owner, then mode (chown drops set-id bits), then times, of the open FD. */
static int
set_attrs (int fd, const struct stat *st, const char *shown, helper_error_t *err)
{
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  if (!chown_ok (fchown (fd, st->st_uid, st->st_gid)))
    return helper_make_error (err, errno, "copy-up", "chown `%s`", shown);
  if (fchmod (fd, st->st_mode & 07777) < 0)
    return helper_make_error (err, errno, "copy-up", "chmod `%s`", shown);
  if (futimens (fd, ts) < 0)
    return helper_make_error (err, errno, "copy-up", "set times of `%s`", shown);
  return 0;
}

static int
copy_data (int in, int out, const char *shown, helper_error_t *err)
{
  char buf[65536];
  for (;;)
    {
      ssize_t n = copy_file_range (in, NULL, out, NULL, 1 << 30, 0);
      if (n == 0)
        return 0;
      if (n > 0)
        continue;
      if (errno == EINTR)
        continue;
      /* Across filesystems (overlay to the volume's) the kernel may refuse: copy by hand. */
      if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)
        break;
      return helper_make_error (err, errno, "copy-up", "copy `%s`", shown);
    }
  for (;;)
    {
      ssize_t n = read (in, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return helper_make_error (err, errno, "copy-up", "read `%s`", shown);
      if (n == 0)
        return 0;
      if (write_all (out, buf, (size_t) n) < 0)
        return helper_make_error (err, errno, "copy-up", "write `%s`", shown);
    }
}

static int copy_tree (int from, int to, const char *shown, helper_error_t *err);

static int
copy_entry (int from, int to, const char *name, const struct stat *st, const char *shown, helper_error_t *err)
{
  cleanup_close int in = -1;
  cleanup_close int out = -1;
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  if (S_ISDIR (st->st_mode))
    {
      if (mkdirat (to, name, 0700) < 0)
        return helper_make_error (err, errno, "copy-up", "mkdir `%s`", shown);
      in = openat (from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      out = openat (to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (in < 0 || out < 0)
        return helper_make_error (err, errno, "copy-up", "open `%s`", shown);
      if (copy_tree (in, out, shown, err) < 0)
        return -1;
      /* Times last: filling the directory changed them. */
      return set_attrs (out, st, shown, err);
    }
  if (S_ISREG (st->st_mode))
    {
      in = openat (from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (in < 0)
        return helper_make_error (err, errno, "copy-up", "open `%s`", shown);
      out = openat (to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (out < 0)
        return helper_make_error (err, errno, "copy-up", "create `%s`", shown);
      if (copy_data (in, out, shown, err) < 0)
        return -1;
      return set_attrs (out, st, shown, err);
    }
  if (S_ISLNK (st->st_mode))
    {
      cleanup_free char *target = xmalloc ((size_t) st->st_size + 1);
      ssize_t n = readlinkat (from, name, target, (size_t) st->st_size + 1);
      if (n < 0 || n > st->st_size)
        return helper_make_error (err, n < 0 ? errno : 0, "copy-up", "readlink `%s`", shown);
      target[n] = '\0';
      if (symlinkat (target, to, name) < 0)
        return helper_make_error (err, errno, "copy-up", "symlink `%s`", shown);
    }
  else
    {
      /* FIFOs and sockets; device nodes cannot be made in a user namespace: skipped. The
         umask is 0 here, so the node gets its exact mode without a chmod through a path. */
      if (mknodat (to, name, st->st_mode & (S_IFMT | 07777), st->st_rdev) < 0)
        {
          if (errno == EPERM && (S_ISCHR (st->st_mode) || S_ISBLK (st->st_mode)))
            return 0;
          return helper_make_error (err, errno, "copy-up", "mknod `%s`", shown);
        }
    }
  if (!chown_ok (fchownat (to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW)))
    return helper_make_error (err, errno, "copy-up", "chown `%s`", shown);
  if (utimensat (to, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
    return helper_make_error (err, errno, "copy-up", "set times of `%s`", shown);
  return 0;
}

/* Copies the entries of directory FROM into directory TO. SHOWN is FROM's container path. */
static int
copy_tree (int from, int to, const char *shown, helper_error_t *err)
{
  int fd = openat (from, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct dirent *e;
  DIR *dir;
  int ret = 0;
  if (fd < 0)
    return helper_make_error (err, errno, "copy-up", "open `%s`", shown);
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return helper_make_error (err, errno, "copy-up", "open `%s`", shown);
    }
  for (;;)
    {
      cleanup_free char *path = NULL;
      struct stat st;
      errno = 0;
      e = readdir (dir);
      if (e == NULL)
        {
          if (errno)
            ret = helper_make_error (err, errno, "copy-up", "read directory `%s`", shown);
          break;
        }
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      path = xmalloc (strlen (shown) + strlen (e->d_name) + 2);
      strcpy (path, shown);
      if (path[0] == '\0' || path[strlen (path) - 1] != '/')
        strcat (path, "/");
      strcat (path, e->d_name);
      if (fstatat (from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          ret = helper_make_error (err, errno, "copy-up", "stat `%s`", path);
          break;
        }
      if ((ret = copy_entry (from, to, e->d_name, &st, path, err)) < 0)
        break;
    }
  closedir (dir);
  return ret;
}

/* 1 when directory FD has no entry, 0 when it has one, -1 with errno. */
static int
is_empty (int fd)
{
  int dfd = openat (fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct dirent *e;
  DIR *dir;
  int ret = 1;
  if (dfd < 0)
    return -1;
  dir = fdopendir (dfd);
  if (dir == NULL)
    {
      close (dfd);
      return -1;
    }
  for (;;)
    {
      errno = 0;
      e = readdir (dir);
      if (e == NULL)
        {
          if (errno)
            ret = -1;
          break;
        }
      if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
        {
          ret = 0;
          break;
        }
    }
  closedir (dir);
  return ret;
}

int
copyup_volume (struct mount_ctx *m, const char *source, const char *dest, helper_error_t *err)
{
  cleanup_close int rootfd = -1;
  cleanup_close int from = -1;
  cleanup_close int to = -1;
  struct stat st;
  mode_t old_umask;
  int empty, ret;
  if (m->pivoted)
    return helper_make_error (err, 0, "copy-up", "`copy-up` must come before `pivot`");
  if (mounts_ensure_root (m, err) < 0)
    return -1;
  rootfd = open (m->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return helper_make_error (err, errno, "copy-up", "open `%s`", m->rootfs);
  from = mounts_open_in_root (rootfd, dest, O_RDONLY | O_DIRECTORY);
  if (from < 0)
    {
      /* Nothing (or no directory) there in the image: nothing to copy. */
      if (errno == ENOENT || errno == ENOTDIR)
        return 0;
      return helper_make_error (err, errno, "copy-up", "open `%s` in the container", dest);
    }
  to = open (source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (to < 0)
    return helper_make_error (err, errno, "copy-up", "open volume `%s`", source);
  /* Two containers starting on one new volume: the second waits, then finds it filled. */
  if (flock (to, LOCK_EX) < 0)
    return helper_make_error (err, errno, "copy-up", "lock volume `%s`", source);
  empty = is_empty (to);
  if (empty < 0)
    return helper_make_error (err, errno, "copy-up", "read volume `%s`", source);
  if (!empty)
    return 0;
  if (fstat (from, &st) < 0)
    return helper_make_error (err, errno, "copy-up", "stat `%s`", dest);
  old_umask = umask (0);
  ret = copy_tree (from, to, dest, err);
  umask (old_umask);
  if (ret < 0)
    return -1;
  /* The volume's own directory takes the owner and mode of the image's. */
  return set_attrs (to, &st, dest, err);
}

/* `copy-up` mode, for a container an OCI runtime starts: the same copies, done first by
   tspod-helper inside `userns` (root there), on the rootfs mounted in that namespace. */
int
helper_copyup_main (int argc, char **argv)
{
  helper_error_t err = NULL;
  struct plan p = { NULL, NULL, 0 };
  struct mount_ctx m;
  size_t i;
  memset (&m, 0, sizeof m);
  if (argc != 1)
    {
      helper_make_error (&err, 0, "plan", "usage: tspod-helper copy-up PLANFILE|-");
      goto fail;
    }
  if (plan_load (argv[0], &p, &err) < 0)
    goto fail;
  for (i = 0; i < p.n; i++)
    {
      const struct directive *d = &p.d[i];
      unsigned long long flags;
      int ret;
      if (strcmp (d->kw, "rootfs") == 0 && d->argc == 1)
        {
          m.rootfs = d->argv[0];
          ret = 0;
        }
      else if (strcmp (d->kw, "rootfs-mount") == 0 && d->argc == 4 && parse_u64 (d->argv[2], &flags) == 0)
        ret = mounts_rootfs_mount (&m, d->argv[0], d->argv[1], (unsigned long) flags, d->argv[3], &err);
      else if (strcmp (d->kw, "copy-up") == 0 && d->argc == 2)
        ret = copyup_volume (&m, d->argv[0], d->argv[1], &err);
      else
        ret = helper_make_error (&err, 0, "plan", "bad directive `%s` in a copy-up plan", d->kw);
      if (ret < 0)
        goto fail;
    }
  return 0;
fail:
  helper_error_report (err, -1, 1);
  return 125;
}

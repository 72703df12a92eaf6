/* `rootfs-fuse ARGV...`: the container's root is a FUSE mount. fuse-overlayfs mounts, then
   daemonizes (its foreground process exits 0 once the mount is ready); the daemon serves
   the mount until the kernel drops the superblock, which happens when the last mount of
   it goes away. So the mount must exist only in C's mount namespace, and the daemon must
   be in none that holds it: then it lives exactly as long as the container's namespace.

   P forks F, which joins C's user and mount namespaces (C is waiting to be released) and
   becomes root there. F binds `rootfs` on itself as a shared mount, unshares a mount
   namespace of its own (a peer copy) and runs ARGV there: the FUSE mount propagates to
   C's namespace. F then makes C's namespace private and detaches the mount from its own,
   which only the daemon is left in. The daemon is in the host's pid namespace, like
   podman's (outside the container: its `ps` does not show it, and the container's root
   cannot reach the daemon's view of the host through /proc/PID/root). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fuse.h"
#include "userns.h"
#include "utils.h"

/* The program's last stderr line (its reason), read once it exited: the daemon may keep
   the pipe, so never wait for EOF. */
static void
last_line (int fd, char *buf, size_t size)
{
  ssize_t n;
  size_t len = 0;
  char *nl;
  fcntl (fd, F_SETFL, O_NONBLOCK);
  while (len < size - 1 && (n = read (fd, buf + len, size - 1 - len)) > 0)
    len += (size_t) n;
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    len--;
  buf[len] = '\0';
  nl = strrchr (buf, '\n');
  if (nl)
    memmove (buf, nl + 1, strlen (nl + 1) + 1);
}

/* Runs ARGV with stdin and stdout on /dev/null, stderr on a pipe, no other fd, default
   signal mask; waits for its (foreground) exit. */
static int
run_program (char **argv, helper_error_t *err)
{
  int errp[2], status;
  char reason[512];
  pid_t g;
  if (pipe2 (errp, O_CLOEXEC) < 0)
    return helper_make_error (err, errno, "mount", "create pipe");
  g = fork ();
  if (g < 0)
    return helper_make_error (err, errno, "mount", "fork `%s`", argv[0]);
  if (g == 0)
    {
      sigset_t none;
      int null = open ("/dev/null", O_RDWR);
      if (null < 0 || dup2 (null, 0) < 0 || dup2 (null, 1) < 0 || dup2 (errp[1], 2) < 0)
        _exit (125);
      /* The daemon must hold nothing of the container's (status fd, sync pipes, log pipes). */
      syscall (SYS_close_range, 3U, ~0U, 0U);
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      execvp (argv[0], argv);
      dprintf (2, "%s\n", errno_name (errno));
      _exit (errno == ENOENT || errno == ENOTDIR ? 127 : 126);
    }
  close (errp[1]);
  while (waitpid (g, &status, 0) < 0)
    if (errno != EINTR)
      {
        close (errp[0]);
        return helper_make_error (err, errno, "mount", "wait for `%s`", argv[0]);
      }
  last_line (errp[0], reason, sizeof reason);
  close (errp[0]);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
    return helper_make_error (err, ENOENT, "mount", "find `%s`", argv[0]);
  if (WIFSIGNALED (status))
    return helper_make_error (err, 0, "mount", "`%s` was killed by signal %d before the root was mounted", argv[0],
                              WTERMSIG (status));
  return helper_make_error (err, 0, "mount", "`%s` exited with status %d before the root was mounted%s%s", argv[0],
                            WEXITSTATUS (status), *reason ? ": " : "", reason);
}

static int
open_ns (pid_t pid, const char *ns, helper_error_t *err)
{
  char path[64];
  int fd;
  snprintf (path, sizeof path, "/proc/%d/ns/%s", (int) pid, ns);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return helper_make_error (err, errno, "mount", "open `%s`", path);
  return fd;
}

/* F: everything in the file comment, between the fork and F's exit. */
static int
mount_in_child (const char *rootfs, char **argv, pid_t pid, helper_error_t *err)
{
  cleanup_close int userns = -1, mntns = -1, own = -1;
  struct stat mine, theirs;
  if ((userns = open_ns (pid, "user", err)) < 0 || (mntns = open_ns (pid, "mnt", err)) < 0)
    return -1;
  /* P may already be in C's user namespace (`join-ns user`): joining it again is EINVAL. */
  if (fstat (userns, &theirs) < 0 || stat ("/proc/self/ns/user", &mine) < 0)
    return helper_make_error (err, errno, "mount", "stat the user namespaces");
  if ((mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev) && setns (userns, CLONE_NEWUSER) < 0)
    return helper_make_error (err, errno, "mount", "join the container's user namespace");
  if (setns (mntns, CLONE_NEWNS) < 0)
    return helper_make_error (err, errno, "mount", "join the container's mount namespace");
  if (become_root (err) < 0)
    return -1;
  if (mount (rootfs, rootfs, NULL, MS_BIND, NULL) < 0 || mount (NULL, rootfs, NULL, MS_SHARED, NULL) < 0)
    return helper_make_error (err, errno, "mount", "bind `%s` on itself as a shared mount", rootfs);
  if (unshare (CLONE_NEWNS) < 0)
    return helper_make_error (err, errno, "mount", "unshare a mount namespace for `%s`", argv[0]);
  if ((own = open ("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0)
    return helper_make_error (err, errno, "mount", "open `/proc/self/ns/mnt`");
  if (run_program (argv, err) < 0)
    return -1;
  /* Private first in C's namespace, so the detach below does not propagate there. */
  if (setns (mntns, CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return helper_make_error (err, errno, "mount", "make the container's mounts private");
  if (setns (own, CLONE_NEWNS) < 0 || umount2 (rootfs, MNT_DETACH) < 0 || umount2 (rootfs, MNT_DETACH) < 0)
    return helper_make_error (err, errno, "mount", "detach `%s` from the namespace of `%s`", rootfs, argv[0]);
  return 0;
}

int
fuse_mount_rootfs (const struct plan *p, pid_t pid, helper_error_t *err)
{
  const struct directive *d = plan_find (p, "rootfs-fuse"), *root = plan_find (p, "rootfs");
  int rep[2], status;
  pid_t f;
  char *msg = NULL;
  ssize_t len;

  if (d == NULL)
    return 0;
  if (d->argc < 1)
    return helper_make_error (err, 0, "plan", "directive `rootfs-fuse` wants a program");
  if (root == NULL || root->argc != 1)
    return helper_make_error (err, 0, "plan", "plan has no `rootfs` directive for `rootfs-fuse`");
  if (pipe2 (rep, O_CLOEXEC) < 0)
    return helper_make_error (err, errno, "mount", "create pipe");
  f = fork ();
  if (f < 0)
    {
      close (rep[0]);
      close (rep[1]);
      return helper_make_error (err, errno, "mount", "fork");
    }
  if (f == 0)
    {
      helper_error_t e = NULL;
      close (rep[0]);
      if (mount_in_child (root->argv[0], d->argv, pid, &e) < 0)
        {
          /* errno, then the message: P rebuilds the error. */
          if (write_all (rep[1], &e->status, sizeof e->status) == 0)
            write_all (rep[1], e->msg, strlen (e->msg));
          _exit (1);
        }
      _exit (0);
    }
  close (rep[1]);
  len = read_all (rep[0], &msg);
  close (rep[0]);
  while (waitpid (f, &status, 0) < 0 && errno == EINTR)
    ;
  if (len >= (ssize_t) sizeof (int))
    {
      int e;
      memcpy (&e, msg, sizeof e);
      helper_make_error (err, e, "mount", "%s", msg + sizeof e);
      free (msg);
      return -1;
    }
  free (msg);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return helper_make_error (err, 0, "mount", "mount the root with `%s` failed", d->argv[0]);
  return 0;
}

/* exec's command goes into the container's cgroup, as runc exec's does: the container's
   limits hold it, stats count it, and in the container's cgroup namespace it sees itself
   at the root. Best effort, silent: a container without a cgroup of its own (cgroup v1,
   no delegation) has nothing to join.
   Moving a process needs write access to cgroup.procs of the common ancestor of the two
   cgroups. From the user's systemd instance (a user unit, systemd-run --user) the direct
   write works; from a login session (session-N.scope, below a root-owned user-UID.slice)
   it cannot, and systemd's AttachProcessesToUnit does it instead: the user manager asks
   PID 1, as it does for the container itself (src/cgroups/hook.ts). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cgroup_join.h"
#include "utils.h"

/* The v2 cgroup of PID ("self" or a number) from its `0::` line, or NULL. */
static char *
cgroup_of (const char *pid)
{
  char path[64], line[4096], *out = NULL;
  FILE *f;
  snprintf (path, sizeof path, "/proc/%s/cgroup", pid);
  if ((f = fopen (path, "re")) == NULL)
    return NULL;
  while (out == NULL && fgets (line, sizeof line, f))
    if (strncmp (line, "0::/", 4) == 0)
      {
        line[strcspn (line, "\n")] = '\0';
        out = xstrdup (line + 3);
      }
  fclose (f);
  return out;
}

/* 0, or the errno of the open or write that failed. */
static int
write_self (const char *cg)
{
  char *path = xmalloc (strlen (cg) + 64);
  int fd, e = 0;
  sprintf (path, "/sys/fs/cgroup%s/cgroup.procs", cg);
  if ((fd = open (path, O_WRONLY | O_CLOEXEC)) < 0)
    e = errno;
  else
    {
      if (write (fd, "0", 1) != 1)
        e = errno;
      close (fd);
    }
  free (path);
  return e;
}

static int
ends_with (const char *s, size_t n, const char *suffix)
{
  size_t k = strlen (suffix);
  return n >= k && memcmp (s + n - k, suffix, k) == 0;
}

/* `busctl --user call … AttachProcessesToUnit UNIT SUBCGROUP 1 PID` for the last scope or
   service in CG (the one holding the container: tspod-ID-N.scope, subcgroup /container). */
static void
attach_via_systemd (const char *cg)
{
  const char *p = cg, *unit = NULL;
  size_t unit_len = 0;
  char *unit_s, pid_s[32];
  pid_t child;
  int status;
  while (*p == '/')
    {
      const char *c = p + 1, *e = strchr (c, '/');
      size_t n = e ? (size_t) (e - c) : strlen (c);
      if (ends_with (c, n, ".scope") || ends_with (c, n, ".service"))
        {
          unit = c;
          unit_len = n;
        }
      p = c + n;
    }
  if (unit == NULL)
    return;
  unit_s = xmalloc (unit_len + 1);
  memcpy (unit_s, unit, unit_len);
  unit_s[unit_len] = '\0';
  snprintf (pid_s, sizeof pid_s, "%d", (int) getpid ());
  child = fork ();
  if (child == 0)
    {
      const char *sub = unit[unit_len] ? unit + unit_len : "/";
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (null >= 0)
        {
          dup2 (null, 0);
          dup2 (null, 1);
          dup2 (null, 2);
        }
      execlp ("busctl", "busctl", "--user", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
              "org.freedesktop.systemd1.Manager", "AttachProcessesToUnit", "ssau", unit_s, sub, "1", pid_s, (char *) NULL);
      _exit (127);
    }
  if (child > 0)
    while (waitpid (child, &status, 0) < 0 && errno == EINTR)
      ;
  free (unit_s);
}

void
cgroup_join_of (unsigned long long pid)
{
  char pid_s[32], *theirs, *mine;
  snprintf (pid_s, sizeof pid_s, "%llu", pid);
  theirs = cgroup_of (pid_s);
  mine = cgroup_of ("self");
  if (theirs && (mine == NULL || strcmp (theirs, mine) != 0))
    {
      int e = write_self (theirs);
      if (e == EACCES || e == EPERM)
        attach_via_systemd (theirs);
    }
  free (theirs);
  free (mine);
}

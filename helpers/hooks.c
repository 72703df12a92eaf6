/* Network hooks for `run`. P joins namespaces named by path before cloning C, starts the
   network backend (pasta, slirp4netns) once C's namespaces exist and its id maps are
   written, waits for the backend to say it is ready, optionally hands C's pid to Node
   and waits for its go, and only then releases C. Hooks die with P (PR_SET_PDEATHSIG):
   a backend never outlives the container's keeper, which also kills them itself when the
   container is gone (hooks_kill_all: the parent-death signal alone once left a pasta
   running). A hook's stdout and stderr go to a
   memory file, never to the container's output (slirp4netns prints "sent tapfd=…" on
   stdout): its last words are part of the error when it fails before it is ready. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hooks.h"
#include "utils.h"

/* The cgroup hook waits for systemd to move the container into its scope (up to 60 s,
   src/cgroups/hook.ts); on a loaded machine or an emulated guest that alone can take
   more than 30 s, and a deadline shorter than the hook's own fails good starts. */
#define HOOK_READY_TIMEOUT_MS 120000

/* The hooks started by this process, killed when it is done with the container
   (hooks_kill_all; at exit too). PR_SET_PDEATHSIG alone was not enough: a pasta was seen
   running with its parent and its container gone, until it noticed by itself (seconds,
   more on a loaded machine); the kernel drops the setting on some credential changes, and
   pasta changes its own as it joins the container's user namespace. */
#define MAX_HOOKS 16
static pid_t started_hooks[MAX_HOOKS];
static size_t n_started_hooks;

void
hooks_kill_all (void)
{
  size_t i;
  for (i = 0; i < n_started_hooks; i++)
    kill (started_hooks[i], SIGKILL);
  n_started_hooks = 0;
}

static void
remember_hook (pid_t hook)
{
  static int registered;
  if (!registered && atexit (hooks_kill_all) == 0)
    registered = 1;
  if (n_started_hooks < MAX_HOOKS)
    started_hooks[n_started_hooks++] = hook;
}

int
hooks_is_parent_directive (const char *kw)
{
  return strcmp (kw, "join-ns") == 0 || strcmp (kw, "net-hook") == 0 || strcmp (kw, "sync-fds") == 0;
}

static int
join_one (const struct plan *p, const char *type, int nstype, helper_error_t *err)
{
  size_t i;
  for (i = 0; i < p->n; i++)
    {
      const struct directive *d = &p->d[i];
      cleanup_close int fd = -1;
      if (strcmp (d->kw, "join-ns") != 0)
        continue;
      if (d->argc != 2)
        return helper_make_error (err, 0, "plan", "directive `join-ns` wants 2 arguments, got %d", d->argc);
      if (strcmp (d->argv[0], type) != 0)
        continue;
      fd = open (d->argv[1], O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return helper_make_error (err, errno, "join-ns", "open `%s`", d->argv[1]);
      if (setns (fd, nstype) < 0)
        return helper_make_error (err, errno, "join-ns", "join %s namespace `%s`", type, d->argv[1]);
      return 1;
    }
  return 0;
}

int
hooks_join_namespaces (const struct plan *p, unsigned long *ns_flags, int *joined_user, helper_error_t *err)
{
  size_t i;
  int r;
  *joined_user = 0;
  /* The user namespace first: the others belong to it, and joining them needs its
     capabilities. A joined pid namespace is the one C is cloned into (pid_for_children). */
  static const struct
  {
    const char *name;
    int flag;
  } NS[] = { { "user", CLONE_NEWUSER }, { "net", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC },
             { "uts", CLONE_NEWUTS },   { "pid", CLONE_NEWPID } };
  size_t k;
  for (i = 0; i < p->n; i++)
    if (strcmp (p->d[i].kw, "join-ns") == 0 && p->d[i].argc == 2)
      {
        for (k = 0; k < sizeof NS / sizeof NS[0] && strcmp (p->d[i].argv[0], NS[k].name) != 0; k++)
          ;
        if (k == sizeof NS / sizeof NS[0])
          return helper_make_error (err, 0, "plan", "`join-ns`: unsupported namespace `%s`", p->d[i].argv[0]);
      }
  for (k = 0; k < sizeof NS / sizeof NS[0]; k++)
    {
      if ((r = join_one (p, NS[k].name, NS[k].flag, err)) < 0)
        return -1;
      if (!r)
        continue;
      if (NS[k].flag == CLONE_NEWUSER)
        *joined_user = 1;
      *ns_flags &= ~(unsigned long) NS[k].flag;
    }
  /* Entering another user namespace makes a process non-dumpable (its capabilities there
     are not a subset of its old ones), and so is C, forked from P: the network hooks
     (pasta, slirp4netns) could then not open C's /proc/PID/ns files. The namespace is the
     user's own container's, whose processes are dumpable: so are P and C again. */
  if (*joined_user && prctl (PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return helper_make_error (err, errno, "join-ns", "PR_SET_DUMPABLE");
  return 0;
}

static char *
subst_pid (const char *arg, const char *pid)
{
  const char *at = strstr (arg, "@PID@");
  char *s;
  if (at == NULL)
    return xstrdup (arg);
  s = xmalloc (strlen (arg) + strlen (pid) + 1);
  memcpy (s, arg, at - arg);
  strcpy (s + (at - arg), pid);
  strcat (s, at + 5);
  return s;
}

/* The hook wrote `!` on its fd 3: the rest, up to EOF (it exits), is the one-line reason
   it failed (e.g. `host port 127.0.0.1:8080/tcp is already in use`), the error as is. */
static int
hook_failed (int fd, pid_t hook, helper_error_t *err)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  char msg[512];
  size_t len = 0;
  ssize_t n;
  int status;
  while (len < sizeof msg - 1 && poll (&pfd, 1, 5000) > 0)
    {
      n = read (fd, msg + len, sizeof msg - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += (size_t) n;
    }
  close (fd);
  while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
    len--;
  msg[len] = '\0';
  kill (hook, SIGKILL);
  while (waitpid (hook, &status, 0) < 0 && errno == EINTR)
    ;
  return helper_make_error (err, 0, "network", "%s", len > 0 ? msg : "a network hook failed before it was ready");
}

/* The end of what a failed hook printed (LOG, a memfd; -1: none), one line, or "". */
static const char *
hook_output (int log, char *buf, size_t size)
{
  off_t end;
  ssize_t n;
  char *p;
  buf[0] = '\0';
  if (log < 0 || (end = lseek (log, 0, SEEK_END)) <= 0)
    return buf;
  n = pread (log, buf, size - 1, end > (off_t) (size - 1) ? end - (off_t) (size - 1) : 0);
  if (n <= 0)
    return buf;
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    buf[--n] = '\0';
  for (p = buf; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  return buf;
}

static int
run_hook (const struct directive *d, pid_t pid, helper_error_t *err)
{
  char pidbuf[32], c;
  char **argv;
  int ready[2], i, status, r, log;
  char out[256];
  pid_t hook, parent = getpid ();
  struct pollfd pfd;

  if (d->argc < 1)
    return helper_make_error (err, 0, "plan", "directive `net-hook` wants a command");
  snprintf (pidbuf, sizeof pidbuf, "%d", (int) pid);
  argv = xmalloc ((d->argc + 1) * sizeof (char *));
  for (i = 0; i < d->argc; i++)
    argv[i] = subst_pid (d->argv[i], pidbuf);
  argv[d->argc] = NULL;
  if (pipe2 (ready, O_CLOEXEC) < 0)
    return helper_make_error (err, errno, "network", "create pipe");
  log = memfd_create ("tspod-hook-output", MFD_CLOEXEC);
  hook = fork ();
  if (hook < 0)
    return helper_make_error (err, errno, "network", "fork");
  if (hook == 0)
    {
      int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
        _exit (125);
      if (null < 0 || dup2 (null, 0) < 0 || dup2 (ready[1], 3) < 0
          || dup2 (log >= 0 ? log : null, 1) < 0 || dup2 (log >= 0 ? log : null, 2) < 0)
        _exit (125);
      syscall (SYS_close_range, 4U, ~0U, 0U);
      execvp (argv[0], argv);
      dprintf (2, "tspod-helper: exec `%s`: %s\n", argv[0], strerror (errno));
      _exit (127);
    }
  close (ready[1]);
  pfd.fd = ready[0];
  pfd.events = POLLIN;
  do
    r = poll (&pfd, 1, HOOK_READY_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r > 0)
    {
      do
        r = (int) read (ready[0], &c, 1);
      while (r < 0 && errno == EINTR);
      if (r == 1 && c == '!')
        {
          if (log >= 0)
            close (log);
          return hook_failed (ready[0], hook, err);
        }
      close (ready[0]);
      if (r == 1)
        {
          if (log >= 0)
            close (log); /* the hook keeps it */
          remember_hook (hook);
          return 0;
        }
      while (waitpid (hook, &status, 0) < 0 && errno == EINTR)
        ;
      hook_output (log, out, sizeof out);
      if (log >= 0)
        close (log);
      if (WIFEXITED (status))
        return helper_make_error (err, 0, "network", "network backend `%s` exited with status %d before it was ready%s%s",
                                  argv[0], WEXITSTATUS (status), out[0] ? ": " : "", out);
      return helper_make_error (err, 0, "network", "network backend `%s` was killed before it was ready%s%s", argv[0],
                                out[0] ? ": " : "", out);
    }
  close (ready[0]);
  kill (hook, SIGKILL);
  waitpid (hook, &status, 0);
  hook_output (log, out, sizeof out);
  if (log >= 0)
    close (log);
  return helper_make_error (err, 0, "network", "network backend `%s` was not ready after %d s%s%s", argv[0],
                            HOOK_READY_TIMEOUT_MS / 1000, out[0] ? ": " : "", out);
}

int
hooks_run_net_hooks (const struct plan *p, pid_t pid, helper_error_t *err)
{
  size_t i;
  for (i = 0; i < p->n; i++)
    if (strcmp (p->d[i].kw, "net-hook") == 0 && run_hook (&p->d[i], pid, err) < 0)
      return -1;
  return 0;
}

int
hooks_sync (const struct plan *p, pid_t pid, helper_error_t *err)
{
  const struct directive *d = plan_find (p, "sync-fds");
  unsigned long long notify, go;
  char buf[32], c = 0;
  ssize_t n;
  if (d == NULL)
    return 0;
  if (d->argc != 2 || parse_u64 (d->argv[0], &notify) < 0 || parse_u64 (d->argv[1], &go) < 0)
    return helper_make_error (err, 0, "plan", "directive `sync-fds` wants two fd numbers");
  n = snprintf (buf, sizeof buf, "%d\n", (int) pid);
  if (write_all ((int) notify, buf, (size_t) n) < 0)
    return helper_make_error (err, errno, "sync", "write the container pid");
  close ((int) notify);
  do
    n = read ((int) go, &c, 1);
  while (n < 0 && errno == EINTR);
  close ((int) go);
  if (n != 1 || c != '0')
    return helper_make_error (err, 0, "sync", "the caller did not release the container");
  return 0;
}

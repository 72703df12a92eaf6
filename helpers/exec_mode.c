/* `exec PLANFILE|-`: join every namespace of a running container (setns, user first),
   fork so the pid namespace applies, set credentials and exec. The parent forwards
   signals (or relays the pty) and exits with the command's status; with `detach` it
   exits once the command has been exec'd. Plan directives: pid, namespaces, user,
   groups, cwd, caps, no-new-privs, env, args, terminal, detach, status-fd, on-error,
   exec-events.
   tspod may execve this mode in its own place: then there is no status fd and the
   helper tells the user of a failure itself (report.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "caps.h"
#include "cgroup_join.h"
#include "exec.h"
#include "exec_mode.h"
#include "plan.h"
#include "pty.h"
#include "report.h"
#include "userns.h"
#include "utils.h"

struct ns_kind
{
  const char *name;   /* /proc/PID/ns/NAME */
  int flag;
};

static const struct ns_kind NS[] = {
  { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "pid", CLONE_NEWPID }, { "uts", CLONE_NEWUTS },
  { "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET }, { "cgroup", CLONE_NEWCGROUP },
};
#define N_NS (sizeof NS / sizeof NS[0])

static int
num (const struct directive *d, int i, unsigned long long *out, helper_error_t *err)
{
  if (i >= d->argc || parse_u64 (d->argv[i], out) < 0)
    return helper_make_error (err, 0, "plan", "directive `%s`: bad number", d->kw);
  return 0;
}

static int
join_namespaces (const struct plan *p, unsigned long long pid, helper_error_t *err)
{
  int fds[N_NS];
  size_t i;
  const struct directive *d = plan_find (p, "namespaces");
  for (i = 0; i < N_NS; i++)
    {
      char path[64], self[64];
      struct stat a, b;
      int j, wanted = d == NULL;
      fds[i] = -1;
      for (j = 0; d && j < d->argc; j++)
        if (strcmp (d->argv[j], NS[i].name) == 0)
          wanted = 1;
      if (!wanted)
        continue;
      snprintf (path, sizeof path, "/proc/%llu/ns/%s", pid, NS[i].name);
      snprintf (self, sizeof self, "/proc/self/ns/%s", NS[i].name);
      if (stat (path, &a) < 0)
        return helper_make_error (err, errno, "setns", "the container process `%llu` is gone", pid);
      if (stat (self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
        continue; /* already there (setns into our own user namespace is EINVAL) */
      fds[i] = open (path, O_RDONLY | O_CLOEXEC);
      if (fds[i] < 0)
        return helper_make_error (err, errno, "setns", "open `%s`", path);
    }
  cgroup_join_of (pid); /* before its cgroup namespace, whose root that cgroup is */
  for (i = 0; i < N_NS; i++)
    if (fds[i] >= 0)
      {
        if (setns (fds[i], NS[i].flag) < 0)
          return helper_make_error (err, errno, "setns", "join the %s namespace of `%llu`", NS[i].name, pid);
        close (fds[i]);
        if (NS[i].flag == CLONE_NEWUSER && become_root (err) < 0)
          return -1;
      }
  return 0;
}

/* The forked child: credentials, cwd, exec. Returns the exit code on failure. STARTED_FD
   (or -1) stays open until the exec closes it: the parent learns that the command started. */
static int
child (const struct plan *p, int *status_fd, int term_sock, int *started_fd, helper_error_t *err)
{
  unsigned long long preserve_base = 0, preserve_n = 0;
  struct creds cr;
  char **envp, **args = NULL;
  const char *cwd = "/";
  size_t nenv = 0, i;
  int code = 125;
  memset (&cr, 0, sizeof cr);
  envp = xmalloc ((p->n + 1) * sizeof (char *));
  for (i = 0; i < p->n; i++)
    {
      const struct directive *d = &p->d[i];
      unsigned long long a, b;
      int j;
      if (strcmp (d->kw, "user") == 0)
        {
          if (num (d, 0, &a, err) < 0 || num (d, 1, &b, err) < 0)
            return 125;
          cr.have_user = 1;
          cr.uid = (uid_t) a;
          cr.gid = (gid_t) b;
        }
      else if (strcmp (d->kw, "groups") == 0)
        {
          cr.have_groups = 1;
          cr.ngroups = d->argc;
          cr.groups = xmalloc ((d->argc + 1) * sizeof (gid_t));
          for (j = 0; j < d->argc; j++)
            {
              if (num (d, j, &a, err) < 0)
                return 125;
              cr.groups[j] = (gid_t) a;
            }
        }
      else if (strcmp (d->kw, "caps") == 0 && d->argc == 5)
        {
          unsigned long long v[5];
          for (j = 0; j < 5; j++)
            v[j] = strtoull (d->argv[j], NULL, 16);
          cr.have_caps = 1;
          cr.caps.bounding = v[0];
          cr.caps.effective = v[1];
          cr.caps.permitted = v[2];
          cr.caps.inheritable = v[3];
          cr.caps.ambient = v[4];
        }
      else if (strcmp (d->kw, "no-new-privs") == 0)
        cr.no_new_privs = 1;
      else if (strcmp (d->kw, "seccomp") == 0 && d->argc == 1)
        {
          if (creds_set_seccomp (&cr, d->argv[0], err) < 0)
            return 125;
        }
      else if (strcmp (d->kw, "cwd") == 0 && d->argc == 1)
        cwd = d->argv[0];
      else if (strcmp (d->kw, "preserve-fds") == 0 && d->argc == 2)
        {
          if (parse_u64 (d->argv[0], &preserve_base) < 0 || parse_u64 (d->argv[1], &preserve_n) < 0 || preserve_base < 3 || preserve_n > 1000)
            return helper_make_error (err, 0, "plan", "`preserve-fds`: bad base or count"), 125;
        }
      else if (strcmp (d->kw, "env") == 0)
        {
          envp = xrealloc (envp, (p->n + nenv + d->argc + 1) * sizeof (char *));
          for (j = 0; j < d->argc; j++)
            envp[nenv++] = d->argv[j];
        }
      else if (strcmp (d->kw, "args") == 0)
        args = d->argv;
    }
  envp[nenv] = NULL;
  if (term_sock >= 0)
    {
      if (pty_setup_child (term_sock, err) < 0)
        return 125;
      close (term_sock);
    }
  else
    setsid ();
  if (chdir (cwd) < 0)
    {
      helper_make_error (err, errno, "cwd", "chdir `%s`", cwd);
      return 127; /* podman's: runc's failed chdir reads as a command not found */
    }
  if (creds_apply (&cr, err) < 0)
    return 125;
  if (preserve_n > 0 ? preserve_fds ((int) preserve_base, (int) preserve_n, status_fd, started_fd, err) < 0
                     : close_fds_except (*status_fd, *started_fd, err) < 0)
    return 125;
  exec_command (args, envp, &code, err);
  return code;
}

/* A fresh process's signal state, whoever started us: tspod's execve passes on node's
   ignored SIGPIPE and SIGXFSZ (what libuv resets in the children it spawns). The relayed
   signals stay blocked until the command exists: one that comes during the setup is
   then forwarded to it instead of killing us and leaving the command without a parent. */
static void
reset_signals (void)
{
  static const int relayed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
  struct sigaction sa;
  sigset_t block;
  size_t i;
  int s;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset (&sa.sa_mask);
  for (s = 1; s < NSIG; s++)
    if (s != SIGKILL && s != SIGSTOP)
      (void) sigaction (s, &sa, NULL); /* EINVAL for libc's own: fine */
  sigemptyset (&block);
  for (i = 0; i < sizeof relayed / sizeof relayed[0]; i++)
    sigaddset (&block, relayed[i]);
  sigprocmask (SIG_SETMASK, &block, NULL);
}

static void
unblock_signals (void)
{
  sigset_t none;
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

/* To the status fd when tspod reads one, else in the plan's words on FD. */
static void
report (const struct plan *p, helper_error_t err, int code, int status_fd, int fd)
{
  if (status_fd >= 0)
    helper_error_report (err, status_fd, 0);
  else
    report_failure (p, err, code, fd);
}

/* `exec-events FD EXEC_HEAD EXEC_TAIL DIED_HEAD DIED_TAIL`: tspod's exec and exec_died
   events, appended once the command has been exec'd and once it has exited. tspod (Node)
   became this helper by execve and cannot write them: it passes the events log open for
   append (opened before the namespaces were joined) and each line around its variable
   parts, podman's key order being `{"ContainerExitCode":N,` (exec_died, only when N is not
   0), HEAD, the time (RFC 3339 with nanoseconds, UTC), TAIL. One write each: O_APPEND
   keeps a line whole among other writers' lines. Best effort, as tspod's own. */
static void
write_event (const struct directive *d, int which, int code)
{
  unsigned long long fd;
  struct timespec ts;
  struct tm tm;
  char when[32], frac[16], *line = NULL;
  const char *head, *tail;
  int i, n;

  if (d->argc != 5 || parse_u64 (d->argv[0], &fd) < 0 || clock_gettime (CLOCK_REALTIME, &ts) < 0
      || gmtime_r (&ts.tv_sec, &tm) == NULL || strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
    return;
  head = d->argv[1 + 2 * which];
  tail = d->argv[2 + 2 * which];
  /* Go's RFC3339Nano: the fraction's trailing zeros go, and its dot with them. */
  snprintf (frac, sizeof frac, ".%09ld", ts.tv_nsec);
  for (i = (int) strlen (frac) - 1; i > 0 && frac[i] == '0'; i--)
    frac[i] = '\0';
  if (i == 0)
    frac[0] = '\0';
  if (code != 0)
    n = asprintf (&line, "{\"ContainerExitCode\":%d,%s%s%sZ%s", code, head, when, frac, tail);
  else
    n = asprintf (&line, "{%s%s%sZ%s", head, when, frac, tail);
  if (n > 0)
    write_all ((int) fd, line, n);
  free (line);
}

#define EVENT_EXEC 0
#define EVENT_DIED 1

/* tspod-helper exec PLANFILE|- */
int
helper_exec_main (int argc, char **argv)
{
  helper_error_t err = NULL;
  struct plan plan;
  const struct directive *d;
  unsigned long long pid = 0, sfd;
  const struct directive *events = NULL;
  int status_fd = -1, term[2] = { -1, -1 }, told[2] = { -1, -1 }, started[2] = { -1, -1 }, terminal, detach, code, execd = 0;
  pid_t c;

  memset (&plan, 0, sizeof plan);
  reset_signals ();
  if (argc != 1)
    {
      dprintf (2, "tspod-helper: usage: tspod-helper exec PLANFILE|-\n");
      return 125;
    }
  if (plan_load (argv[0], &plan, &err) < 0)
    goto fail;
  if ((d = plan_find (&plan, "status-fd")) && num (d, 0, &sfd, &err) == 0)
    {
      status_fd = (int) sfd;
      fcntl (status_fd, F_SETFD, FD_CLOEXEC);
    }
  /* The events log is for this process only: the command must not inherit it. */
  if ((events = plan_find (&plan, "exec-events")) && events->argc > 0 && parse_u64 (events->argv[0], &sfd) == 0)
    fcntl ((int) sfd, F_SETFD, FD_CLOEXEC);
  if ((d = plan_find (&plan, "pid")) == NULL || num (d, 0, &pid, &err) < 0)
    {
      helper_make_error (&err, 0, "plan", "exec needs `pid`");
      goto fail;
    }
  terminal = plan_find (&plan, "terminal") != NULL;
  detach = plan_find (&plan, "detach") != NULL;
  if (join_namespaces (&plan, pid, &err) < 0)
    goto fail;
  if (terminal && socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, term) < 0)
    {
      helper_make_error (&err, errno, "terminal", "socketpair");
      goto fail;
    }
  /* With no status fd the user hears of a failure on stderr. Under `terminal` the child's
     is the pty: its failure comes to us over a pipe instead, printed once the relay is
     over and the user's terminal is out of raw mode. */
  if (terminal && !detach && status_fd < 0 && pipe2 (told, O_CLOEXEC) < 0)
    {
      helper_make_error (&err, errno, "terminal", "pipe");
      goto fail;
    }
  /* For exec-events: whether the command was exec'd at all. The child's end closes on a
     successful execve and gets a byte before a failed child exits: podman tells of no
     exec, and no exec_died, for a command that never started (not found, not executable). */
  if (!detach && events && pipe2 (started, O_CLOEXEC) < 0)
    started[0] = started[1] = -1;
  c = fork ();
  if (c < 0)
    {
      helper_make_error (&err, errno, "exec", "fork");
      goto fail;
    }
  if (c == 0)
    {
      unblock_signals ();
      if (term[0] >= 0)
        close (term[0]);
      if (told[0] >= 0)
        {
          close (told[0]);
          fcntl (told[1], F_SETFL, O_NONBLOCK); /* never wait for the reader: it waits for us */
        }
      if (started[0] >= 0)
        close (started[0]);
      {
        /* child may move these (--preserve-fds): what it reports through is theirs now. */
        int sfd = status_fd >= 0 ? status_fd : told[1], stfd = started[1];
        code = child (&plan, &sfd, term[1], &stfd, &err);
        if (stfd >= 0)
          write_all (stfd, "!", 1);
        report (&plan, err, code, status_fd >= 0 ? sfd : -1, told[1] >= 0 ? sfd : 2);
      }
      _exit (code);
    }
  if (term[1] >= 0)
    close (term[1]);
  if (told[1] >= 0)
    close (told[1]);
  close_passed_fds (&plan); /* the command has its own */
  if (started[1] >= 0)
    close (started[1]);
  if (status_fd >= 0)
    close (status_fd);
  if (detach)
    return 0;
  if (started[0] >= 0)
    {
      char b;
      /* EOF once the command is exec'd; a byte when the child failed first. */
      execd = read (started[0], &b, 1) == 0;
      close (started[0]);
      if (execd)
        write_event (events, EVENT_EXEC, 0);
    }
  forward_signals_to (c);
  unblock_signals ();
  code = pty_attend (c, terminal, term[0]);
  if (told[0] >= 0)
    {
      char *text = NULL;
      ssize_t n = read_all (told[0], &text);
      if (n > 0)
        write_all (2, text, n);
      free (text);
    }
  if (execd)
    write_event (events, EVENT_DIED, code);
  return code;

fail:
  report (&plan, err, 125, status_fd, 2);
  return 125;
}

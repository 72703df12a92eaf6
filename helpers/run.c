/* `run`: start a container from a flat plan (see README.md). The parent P clones the
   child C into the new namespaces, writes its id maps, releases it, forwards signals
   (or relays the pty) and exits with C's status. C applies the plan in order and execs. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "caps.h"
#include "exec.h"
#include "fuse.h"
#include "hooks.h"
#include "idmap.h"
#include "monitor.h"
#include "copyup.h"
#include "mounts.h"
#include "plan.h"
#include "pty.h"
#include "ctrlog.h"
#include "logrelay.h"
#include "run.h"
#include "userns.h"
#include "utils.h"

struct run_cfg
{
  struct idmaps maps;
  unsigned long ns_flags;
  int terminal;
  int log_pipes; /* `log-pipes`: the container's stdout and stderr are pipes P relays */
  int status_fd;
  const char *pid_file;
  /* A cgroup namespace of its own: made by the child once released, when the hooks have
     moved it into its cgroup (a clone flag would root the namespace in the helper's). */
  int cgroupns;
};

static int
want (const struct directive *d, int n, helper_error_t *err)
{
  if (d->argc != n)
    return helper_make_error (err, 0, "plan", "directive `%s` wants %d arguments, got %d", d->kw, n, d->argc);
  return 0;
}

static int
num (const struct directive *d, int i, unsigned long long *out, helper_error_t *err)
{
  if (parse_u64 (d->argv[i], out) < 0)
    return helper_make_error (err, 0, "plan", "directive `%s`: `%s` is not a number", d->kw, d->argv[i]);
  return 0;
}

static char *
join_args (const struct directive *d)
{
  size_t len = 1;
  int i;
  char *s;
  for (i = 0; i < d->argc; i++)
    len += strlen (d->argv[i]) + 1;
  s = xmalloc (len);
  s[0] = '\0';
  for (i = 0; i < d->argc; i++)
    {
      if (i)
        strcat (s, " ");
      strcat (s, d->argv[i]);
    }
  return s;
}

/* Directives read by P before cloning. */
static int
parent_config (const struct plan *p, struct run_cfg *cfg, helper_error_t *err)
{
  const struct directive *d;
  int i;
  memset (cfg, 0, sizeof *cfg);
  cfg->status_fd = -1;
  cfg->maps.single_uid = getuid ();
  cfg->maps.single_gid = getgid ();
  if ((d = plan_find (p, "status-fd")))
    {
      unsigned long long n;
      if (want (d, 1, err) < 0 || num (d, 0, &n, err) < 0)
        return -1;
      cfg->status_fd = (int) n;
      if (fcntl (cfg->status_fd, F_SETFD, FD_CLOEXEC) < 0)
        return helper_make_error (err, errno, "plan", "status fd `%d`", cfg->status_fd);
    }
  if ((d = plan_find (p, "namespaces")))
    for (i = 0; i < d->argc; i++)
      {
        const char *n = d->argv[i];
        if (strcmp (n, "user") == 0)
          cfg->ns_flags |= CLONE_NEWUSER;
        else if (strcmp (n, "mount") == 0)
          cfg->ns_flags |= CLONE_NEWNS;
        else if (strcmp (n, "pid") == 0)
          cfg->ns_flags |= CLONE_NEWPID;
        else if (strcmp (n, "uts") == 0)
          cfg->ns_flags |= CLONE_NEWUTS;
        else if (strcmp (n, "ipc") == 0)
          cfg->ns_flags |= CLONE_NEWIPC;
        else if (strcmp (n, "net") == 0 || strcmp (n, "network") == 0)
          cfg->ns_flags |= CLONE_NEWNET;
        else if (strcmp (n, "cgroup") == 0)
          cfg->cgroupns = 1;
        else
          return helper_make_error (err, 0, "plan", "unknown namespace `%s`", n);
      }
  cfg->ns_flags |= CLONE_NEWUSER | CLONE_NEWNS;
  if ((d = plan_find (p, "single-map")))
    {
      unsigned long long u, g;
      if (want (d, 2, err) < 0 || num (d, 0, &u, err) < 0 || num (d, 1, &g, err) < 0)
        return -1;
      cfg->maps.single = 1;
      cfg->maps.single_uid = (uid_t) u;
      cfg->maps.single_gid = (gid_t) g;
    }
  else
    {
      const struct directive *u = plan_find (p, "uidmap"), *g = plan_find (p, "gidmap");
      if (u == NULL || g == NULL)
        return helper_make_error (err, 0, "plan", "plan needs `uidmap` and `gidmap`, or `single-map`");
      if (u->argc == 0 || u->argc % 3 || g->argc == 0 || g->argc % 3)
        return helper_make_error (err, 0, "plan", "`uidmap`/`gidmap` want triples");
      cfg->maps.uidmap = join_args (u);
      cfg->maps.gidmap = join_args (g);
    }
  cfg->terminal = plan_find (p, "terminal") != NULL;
  cfg->log_pipes = !cfg->terminal && plan_find (p, "log-pipes") != NULL; /* a pty is logged as it is relayed */
  return 0;
}

/* `plan-rest FD`: Node sent only the plan's first part (namespaces, maps) and prepared
   the container while the maps were written; the rest follows on FD. Appends it to P and
   returns it (REST, LEN) for C. EOF before any byte: Node gave up (it reports why), 1. */
static int
read_plan_rest (struct plan *p, char **rest, ssize_t *len, helper_error_t *err)
{
  const struct directive *d = plan_find (p, "plan-rest");
  unsigned long long fd;
  *rest = NULL;
  *len = 0;
  if (d == NULL)
    return 0;
  if (want (d, 1, err) < 0 || num (d, 0, &fd, err) < 0)
    return -1;
  *len = read_all ((int) fd, rest);
  close ((int) fd);
  if (*len < 0)
    return helper_make_error (err, errno, "plan", "read the rest of the plan");
  if (*len == 0)
    return 1;
  return plan_parse (p, *rest, (size_t) *len, err);
}

static int
pid_file_of (const struct plan *p, const char **path, helper_error_t *err)
{
  const struct directive *d = plan_find (p, "pid-file");
  *path = NULL;
  if (d == NULL)
    return 0;
  if (want (d, 1, err) < 0)
    return -1;
  *path = d->argv[0];
  return 0;
}

static int
lo_up (helper_error_t *err)
{
  struct ifreq ifr;
  cleanup_close int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return helper_make_error (err, errno, "network", "socket");
  memset (&ifr, 0, sizeof ifr);
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    return helper_make_error (err, errno, "network", "get flags of `lo`");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return helper_make_error (err, errno, "network", "bring `lo` up");
  return 0;
}

/* --sysctl (and podman's default ping_group_range): KEY's dots become the path under
   /proc/sys of the container's own /proc. TypeScript allows only namespaced keys. */
static int
write_sysctl (const char *key, const char *value, helper_error_t *err)
{
  char path[512];
  size_t i, n = strlen (key);
  cleanup_close int fd = -1;
  if (n == 0 || n + sizeof "/proc/sys/" > sizeof path || strstr (key, "..") != NULL)
    return helper_make_error (err, EINVAL, "sysctl", "invalid key `%s`", key);
  strcpy (path, "/proc/sys/");
  for (i = 0; i < n; i++)
    path[10 + i] = key[i] == '.' ? '/' : key[i];
  path[10 + n] = '\0';
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write_all (fd, value, strlen (value)) < 0)
    return helper_make_error (err, errno, "sysctl", "set `%s` to `%s`", key, value);
  return 0;
}

/* C: everything between the release and the exec. Returns the exit code to use
   on failure (125 setup, 126/127 exec). */
/* `log PATH MAX`: P records what the container writes in PATH (k8s-file; rotated past
   MAX bytes when MAX > 0), from the pty or the `log-pipes` pipes. */
static int
open_log (const struct plan *p, helper_error_t *err)
{
  const struct directive *d = plan_find (p, "log");
  unsigned long long max;
  if (d == NULL)
    return 0;
  if (want (d, 2, err) < 0 || num (d, 1, &max, err) < 0)
    return -1;
  ctrlog_open (d->argv[0], max);
  return 0;
}

static int
child_main (struct plan *p, const struct run_cfg *cfg, int *status_fd, int sync_fd, int term_sock, const int *out, helper_error_t *err)
{
  int preserve_base = 0, preserve_n = 0;
  struct mount_ctx m;
  struct creds cr;
  char **envp;
  char **args = NULL;
  const char *cwd = NULL;
  size_t nenv = 0, i;
  int exit_code = 125, have_umask = 0;
  mode_t umask_v = 022;
  char c;
  ssize_t n;

  if (out[1] >= 0 && (dup2 (out[1], 1) < 0 || dup2 (out[3], 2) < 0))
    {
      helper_make_error (err, errno, "run", "set up the output pipes");
      return 125;
    }
  do
    n = read (sync_fd, &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1 || c != '0')
    _exit (125); /* P failed and reports it */
  /* After the release byte, its length and the rest of the plan (empty when P got it whole).
     A length, not EOF: a hook keeper P forked may hold the pipe open. */
  {
    uint64_t len;
    char *rest;
    if (read_exact (sync_fd, &len, sizeof len) < 0)
      {
        helper_make_error (err, errno, "plan", "read the rest of the plan");
        return 125;
      }
    rest = xmalloc (len + 1);
    if (len > 0 && read_exact (sync_fd, rest, len) < 0)
      {
        helper_make_error (err, errno, "plan", "read the rest of the plan");
        return 125;
      }
    if (len > 0 && plan_parse (p, rest, len, err) < 0)
      return 125;
  }
  close (sync_fd);
  if (become_root (err) < 0)
    return 125;
  if (cfg->cgroupns && unshare (CLONE_NEWCGROUP) < 0)
    {
      helper_make_error (err, errno, "namespaces", "make a cgroup namespace");
      return 125;
    }
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    {
      helper_make_error (err, errno, "mount", "make `/` rprivate");
      return 125;
    }

  memset (&m, 0, sizeof m);
  memset (&cr, 0, sizeof cr);
  envp = xmalloc ((p->n + 1) * sizeof (char *));
  for (i = 0; i < p->n; i++)
    {
      const struct directive *d = &p->d[i];
      const char *kw = d->kw;
      unsigned long long a, b, r;
      int ret = 0;
      if (strcmp (kw, "uidmap") == 0 || strcmp (kw, "gidmap") == 0 || strcmp (kw, "single-map") == 0
          || strcmp (kw, "namespaces") == 0 || strcmp (kw, "status-fd") == 0 || strcmp (kw, "pid-file") == 0
          || strcmp (kw, "terminal") == 0 || strcmp (kw, "plan-rest") == 0 || hooks_is_parent_directive (kw)
          || strcmp (kw, "detach") == 0 || strcmp (kw, "console-socket") == 0
          || strcmp (kw, "log-pipes") == 0 || strcmp (kw, "log") == 0 || strcmp (kw, "rootfs-fuse") == 0)
        continue;
      if (strcmp (kw, "preserve-fds") == 0)
        {
          if ((ret = want (d, 2, err)) == 0 && (num (d, 0, &a, err) < 0 || num (d, 1, &b, err) < 0 || a < 3 || b > 1000))
            ret = helper_make_error (err, 0, "plan", "`preserve-fds`: bad base or count");
          preserve_base = (int) a;
          preserve_n = (int) b;
        }
      else if (strcmp (kw, "rootfs") == 0)
        {
          if ((ret = want (d, 1, err)) == 0)
            m.rootfs = d->argv[0];
        }
      else if (strcmp (kw, "rootfs-mount") == 0)
        ret = want (d, 4, err) < 0 || num (d, 2, &a, err) < 0
                ? -1 : mounts_rootfs_mount (&m, d->argv[0], d->argv[1], (unsigned long) a, d->argv[3], err);
      else if (strcmp (kw, "mount") == 0)
        ret = want (d, 5, err) < 0 || num (d, 3, &a, err) < 0
                ? -1 : mounts_mount (&m, d->argv[0], d->argv[1], d->argv[2], (unsigned long) a, d->argv[4], err);
      else if (strcmp (kw, "copy-up") == 0)
        ret = want (d, 2, err) < 0 ? -1 : copyup_volume (&m, d->argv[0], d->argv[1], err);
      else if (strcmp (kw, "symlink") == 0)
        ret = want (d, 2, err) < 0 ? -1 : mounts_symlink (&m, d->argv[0], d->argv[1], err);
      else if (strcmp (kw, "pivot") == 0)
        ret = mounts_pivot (&m, err);
      else if (strcmp (kw, "mask") == 0)
        ret = want (d, 1, err) < 0 ? -1 : mounts_mask (&m, d->argv[0], err);
      else if (strcmp (kw, "readonly") == 0)
        ret = want (d, 1, err) < 0 ? -1 : mounts_readonly (&m, d->argv[0], err);
      else if (strcmp (kw, "root-readonly") == 0)
        ret = mounts_root_readonly (&m, err);
      else if (strcmp (kw, "hostname") == 0)
        {
          if ((ret = want (d, 1, err)) == 0 && sethostname (d->argv[0], strlen (d->argv[0])) < 0)
            ret = helper_make_error (err, errno, "hostname", "sethostname `%s`", d->argv[0]);
        }
      else if (strcmp (kw, "sysctl") == 0)
        ret = want (d, 2, err) < 0 ? -1 : write_sysctl (d->argv[0], d->argv[1], err);
      else if (strcmp (kw, "lo-up") == 0)
        ret = lo_up (err);
      else if (strcmp (kw, "rlimit") == 0)
        {
          struct rlimit rl;
          if (want (d, 3, err) < 0 || num (d, 0, &r, err) < 0 || num (d, 1, &a, err) < 0 || num (d, 2, &b, err) < 0)
            ret = -1;
          else
            {
              rl.rlim_cur = a;
              rl.rlim_max = b;
              if (setrlimit ((int) r, &rl) < 0)
                ret = helper_make_error (err, errno, "rlimit", "setrlimit `%llu` to `%llu:%llu`", r, a, b);
            }
        }
      else if (strcmp (kw, "user") == 0)
        {
          if (want (d, 2, err) < 0 || num (d, 0, &a, err) < 0 || num (d, 1, &b, err) < 0)
            ret = -1;
          else
            {
              cr.have_user = 1;
              cr.uid = (uid_t) a;
              cr.gid = (gid_t) b;
            }
        }
      else if (strcmp (kw, "groups") == 0)
        {
          int j;
          cr.have_groups = 1;
          cr.ngroups = d->argc;
          cr.groups = xmalloc ((d->argc + 1) * sizeof (gid_t));
          for (j = 0; j < d->argc && ret == 0; j++)
            if ((ret = num (d, j, &a, err)) == 0)
              cr.groups[j] = (gid_t) a;
        }
      else if (strcmp (kw, "umask") == 0)
        {
          if (want (d, 1, err) < 0 || num (d, 0, &a, err) < 0)
            ret = -1;
          have_umask = 1;
          umask_v = (mode_t) a;
        }
      else if (strcmp (kw, "cwd") == 0)
        ret = want (d, 1, err) < 0 ? -1 : (cwd = d->argv[0], 0);
      else if (strcmp (kw, "caps") == 0)
        {
          unsigned long long v[5];
          int j;
          ret = want (d, 5, err);
          for (j = 0; j < 5 && ret == 0; j++)
            {
              char *end;
              errno = 0;
              v[j] = strtoull (d->argv[j], &end, 16);
              if (errno || *end || !*d->argv[j])
                ret = helper_make_error (err, 0, "plan", "`caps`: `%s` is not a hex mask", d->argv[j]);
            }
          if (ret == 0)
            {
              cr.have_caps = 1;
              cr.caps.bounding = v[0];
              cr.caps.effective = v[1];
              cr.caps.permitted = v[2];
              cr.caps.inheritable = v[3];
              cr.caps.ambient = v[4];
            }
        }
      else if (strcmp (kw, "no-new-privs") == 0)
        cr.no_new_privs = 1;
      else if (strcmp (kw, "seccomp") == 0)
        ret = want (d, 1, err) < 0 ? -1 : creds_set_seccomp (&cr, d->argv[0], err);
      else if (strcmp (kw, "env") == 0)
        {
          int j;
          for (j = 0; j < d->argc; j++)
            envp[nenv++] = d->argv[j];
          if (d->argc > 1)
            envp = xrealloc (envp, (p->n + nenv + 1) * sizeof (char *));
        }
      else if (strcmp (kw, "args") == 0)
        args = d->argv;
      else
        ret = helper_make_error (err, 0, "plan", "unknown directive `%s`", kw);
      if (ret < 0)
        return 125;
    }
  envp[nenv] = NULL;

  if (cfg->terminal && pty_setup_child (term_sock, err) < 0)
    return 125;
  /* A session of its own (pty_setup_child makes one for a terminal), as runc's: else the
     container shares tspod's process group, and `kill 0` inside reaches the user's shell. */
  if (!cfg->terminal && setsid () < 0)
    {
      helper_make_error (err, errno, "run", "setsid");
      return 125;
    }
  if (term_sock >= 0)
    close (term_sock);
  if (have_umask)
    umask (umask_v);
  if (creds_apply (&cr, err) < 0)
    return 125;
  if (cwd && chdir (cwd) < 0)
    {
      helper_make_error (err, errno, "cwd", "chdir `%s`", cwd);
      return 125;
    }
  if (preserve_n > 0)
    {
      if (preserve_fds (preserve_base, preserve_n, status_fd, NULL, err) < 0)
        return 125;
    }
  else if (close_fds_except (*status_fd, -1, err) < 0)
    return 125;
  exec_command (args, envp, &exit_code, err);
  return exit_code;
}

static int
write_pid_file (const char *path, pid_t pid, helper_error_t *err)
{
  char tmp[4096], buf[32];
  cleanup_close int fd = -1;
  int len = snprintf (buf, sizeof buf, "%d", (int) pid);
  snprintf (tmp, sizeof tmp, "%s.tmp-%d", path, (int) getpid ());
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return helper_make_error (err, errno, "pid-file", "open `%s`", tmp);
  /* No fsync: rename alone makes readers see the whole pid, and a pid means
     nothing after a crash (readers treat a missing or empty file as no process). */
  if (write_all (fd, buf, len) < 0)
    return helper_make_error (err, errno, "pid-file", "write `%s`", tmp);
  if (rename (tmp, path) < 0)
    return helper_make_error (err, errno, "pid-file", "rename `%s`", tmp);
  return 0;
}

/* Detached (`detach`, under the monitor): this process exits as soon as the container
   runs, and its children die with it (PR_SET_PDEATHSIG), network backends included. So
   the hooks are started by a keeper K forked here: K starts them, reports to us
   ('1', or '!' and the error), closes everything else and waits on a pidfd until the
   container exits; then K exits and its hooks die. Adopted by the monitor (a subreaper)
   or, if the monitor was killed, by init, K never outlives the container. */
static int
run_hooks_in_keeper (const struct plan *p, pid_t pid, helper_error_t *err)
{
  int rep[2], r;
  pid_t k;
  char c = 0, msg[512];
  ssize_t n;
  size_t len = 0;

  if (plan_find (p, "net-hook") == NULL)
    return 0;
  if (pipe2 (rep, O_CLOEXEC) < 0)
    return helper_make_error (err, errno, "network", "create pipe");
  k = fork ();
  if (k < 0)
    return helper_make_error (err, errno, "network", "fork the network keeper");
  if (k == 0)
    {
      helper_error_t e = NULL;
      struct pollfd pfd;
      int pidfd, null = open ("/dev/null", O_RDWR);
      close (rep[0]);
      /* Hold nothing of the container's: not its status fd (its reader waits for EOF),
         not its output pipes (stdio here goes to /dev/null; hooks report on fd 3). */
      if (null >= 0)
        {
          dup2 (null, 0);
          dup2 (null, 1);
          dup2 (null, 2);
        }
      if (rep[1] != 3 && dup2 (rep[1], 3) < 0)
        _exit (125);
      syscall (SYS_close_range, 4U, ~0U, 0U);
      pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
      if (hooks_run_net_hooks (p, pid, &e) < 0)
        {
          dprintf (3, "!%s%s%s", e->msg, e->status ? ": " : "", e->status ? errno_name (e->status) : "");
          _exit (125);
        }
      if (write (3, "1", 1) != 1)
        _exit (125);
      close (3);
      if (pidfd < 0)
        {
          while (kill (pid, 0) == 0 || errno != ESRCH)
            sleep (1);
          hooks_kill_all ();
          _exit (0);
        }
      pfd.fd = pidfd;
      pfd.events = POLLIN;
      while (poll (&pfd, 1, -1) < 0 && errno == EINTR)
        ;
      hooks_kill_all ();
      _exit (0);
    }
  close (rep[1]);
  do
    r = (int) read (rep[0], &c, 1);
  while (r < 0 && errno == EINTR);
  if (r == 1 && c == '1')
    {
      close (rep[0]);
      return 0;
    }
  if (r == 1 && c == '!')
    while (len < sizeof msg - 1 && (n = read (rep[0], msg + len, sizeof msg - 1 - len)) != 0)
      {
        if (n < 0 && errno == EINTR)
          continue;
        if (n < 0)
          break;
        len += (size_t) n;
      }
  msg[len] = '\0';
  close (rep[0]);
  kill (k, SIGKILL);
  while (waitpid (k, NULL, 0) < 0 && errno == EINTR)
    ;
  return helper_make_error (err, 0, "network", "%s", len > 0 ? msg : "the network keeper failed before the backends were ready");
}

/* `detach` (monitor.c): hand the pty master to `console-socket FD` and exit at once. */
static int
run_detach (const struct plan *p, const struct run_cfg *cfg, int term_sock)
{
  const struct directive *cs = plan_find (p, "console-socket");
  if (cfg->terminal && cs && cs->argc == 1)
    {
      helper_error_t e = NULL;
      int master = pty_receive_master (term_sock, &e);
      if (master >= 0)
        fd_send (atoi (cs->argv[0]), master);
      helper_error_release (&e);
    }
  return 0;
}

/* tspod-helper run PLANFILE|- */
int
helper_run_main (int argc, char **argv)
{
  helper_error_t err = NULL;
  struct plan plan;
  struct run_cfg cfg;
  int sync[2], term[2] = { -1, -1 }, out[4] = { -1, -1, -1, -1 }, joined_user = 0, r;
  pid_t pid;
  char ok = '0', *rest;
  ssize_t rest_len;
  uint64_t rest_size;

  cfg.status_fd = -1;
  if (argc != 1)
    {
      dprintf (2, "tspod-helper: usage: tspod-helper run PLANFILE|-\n");
      return 125;
    }
  if (plan_load (argv[0], &plan, &err) < 0)
    goto fail;
  if (parent_config (&plan, &cfg, &err) < 0)
    goto fail;
  if (hooks_join_namespaces (&plan, &cfg.ns_flags, &joined_user, &err) < 0)
    goto fail;
  if (pipe2 (sync, O_CLOEXEC) < 0)
    {
      helper_make_error (&err, errno, "run", "create pipe");
      goto fail;
    }
  if (cfg.terminal && socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, term) < 0)
    {
      helper_make_error (&err, errno, "terminal", "socketpair");
      goto fail;
    }
  if (cfg.log_pipes && (pipe2 (out, O_CLOEXEC) < 0 || pipe2 (out + 2, O_CLOEXEC) < 0))
    {
      helper_make_error (&err, errno, "run", "create the output pipes");
      goto fail;
    }
  pid = helper_clone (cfg.ns_flags);
  if (pid < 0)
    {
      helper_make_error (&err, errno, "clone", "clone namespaces");
      goto fail;
    }
  if (pid == 0)
    {
      int code;
      close (sync[1]);
      if (term[0] >= 0)
        close (term[0]);
      int status_fd = cfg.status_fd;
      code = child_main (&plan, &cfg, &status_fd, sync[0], term[1], out, &err);
      helper_error_report (err, status_fd, status_fd < 0);
      _exit (code);
    }
  close (sync[0]);
  if (term[1] >= 0)
    close (term[1]);
  if (out[1] >= 0)
    {
      close (out[1]);
      close (out[3]);
    }
  if (!joined_user && idmaps_apply (pid, &cfg.maps, &err) < 0)
    {
      close (sync[1]);
      wait_exit_code (pid);
      goto fail;
    }
  if ((r = read_plan_rest (&plan, &rest, &rest_len, &err)) != 0 || pid_file_of (&plan, &cfg.pid_file, &err) < 0
      || open_log (&plan, &err) < 0)
    {
      close (sync[1]);
      kill (pid, SIGKILL);
      wait_exit_code (pid);
      if (r == 1)
        return 125; /* abandoned: nothing to report */
      goto fail;
    }
  /* The root before the network: a failed mount starts no backend. */
  if (fuse_mount_rootfs (&plan, pid, &err) < 0
      || (plan_find (&plan, "detach") ? run_hooks_in_keeper (&plan, pid, &err) : hooks_run_net_hooks (&plan, pid, &err)) < 0
      || hooks_sync (&plan, pid, &err) < 0)
    {
      close (sync[1]);
      kill (pid, SIGKILL);
      wait_exit_code (pid);
      goto fail;
    }
  rest_size = (uint64_t) rest_len;
  if (write_all (sync[1], &ok, 1) < 0 || write_all (sync[1], &rest_size, sizeof rest_size) < 0
      || (rest_len > 0 && write_all (sync[1], rest, rest_len) < 0))
    {
      helper_make_error (&err, errno, "run", "release the container process");
      goto fail;
    }
  close (sync[1]);
  close_passed_fds (&plan); /* the container has its own */
  /* The pid file says the container runs: written once it is released, in its cgroup and
     network (the hooks are done), since tspod tells systemd READY=1 when it appears. */
  if (cfg.pid_file && write_pid_file (cfg.pid_file, pid, &err) < 0)
    {
      kill (pid, SIGKILL);
      wait_exit_code (pid);
      goto fail;
    }
  if (plan_find (&plan, "detach"))
    return run_detach (&plan, &cfg, term[0]); /* the monitor (our parent, a subreaper) adopts the container */
  if (cfg.log_pipes)
    return logrelay_attend (pid, out[0], out[2]);
  return pty_attend (pid, cfg.terminal, term[0]);

fail:
  helper_error_report (err, cfg.status_fd, cfg.status_fd < 0);
  return 125;
}

/* `monitor`: keeps one detached container (conmon's role). Started by tspod with
   setsid; it is a subreaper, forks `tspod-helper run PLAN` whose plan says `detach`
   (run exits once the container is released, so the container becomes this process's
   child), then holds the container's stdout/stderr (or pty master), writes them to a
   k8s-file log, serves attach clients on a unix socket, records the exit code
   atomically, applies the restart policy and finally runs the exit command. With
   --health-interval it also runs the health command (`tspod healthcheck run ID`) every
   interval while the container runs, one at a time.
   One process per container besides the container itself; see README.md. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ctrlog.h"
#include "monitor.h"
#include "monitor_tasks.h"
#include "plan.h"
#include "pty.h"
#include "utils.h"

#define MAX_CLIENTS 16

enum { RESTART_NO, RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_UNLESS_STOPPED };
/* Frame types on the attach socket: 5-byte header {type, u32 big-endian length}. */
enum { FR_STDIN = 0, FR_STDOUT = 1, FR_STDERR = 2, FR_EXIT = 3, FR_CLOSE_STDIN = 4, FR_RESIZE = 5 };

struct opts
{
  const char *plan, *log, *exit_file, *pid_file, *sock_path, *stop_marker, *state_file;
  unsigned long long log_max, restart_max;
  int restart, keep_stdin, terminal, status_fd, wait_attach;
  /* --preserve-fds N: fds 4..N+3 go to every start of the container (the plan places them). */
  int preserve_n;
  char **exit_cmd;
  int n_exit;
  unsigned long long health_ms;
  unsigned long long timeout_ms; /* --timeout: SIGKILL the container after this long (0: never) */
  char **health_cmd;
  int n_health;
};

struct stream
{
  int fd;
  struct ctrlog_lines lines;
};

struct client
{
  int fd;
  char in[8192 + 5];
  size_t in_len;
};

static struct opts o;
static struct client clients[MAX_CLIENTS];
static int stdin_fd = -1; /* write end of the container's stdin pipe, or the pty master */

static void
send_frame (int type, const char *data, size_t len)
{
  unsigned char h[5];
  int i;
  h[0] = (unsigned char) type;
  h[1] = (unsigned char) (len >> 24);
  h[2] = (unsigned char) (len >> 16);
  h[3] = (unsigned char) (len >> 8);
  h[4] = (unsigned char) len;
  for (i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].fd >= 0)
      {
        struct iovec iov[2] = { { h, 5 }, { (void *) data, len } };
        /* Blocking write: a slow attach client slows the container, as with conmon. */
        if (writev (clients[i].fd, iov, 2) < 0)
          {
            close (clients[i].fd);
            clients[i].fd = -1;
          }
      }
}

/* Read what is there; returns 0 at EOF/EIO, 1 otherwise. */
static int
stream_read (struct stream *s)
{
  ssize_t n;
  if (s->fd < 0)
    return 0;
  do
    n = read (s->fd, s->lines.buf + s->lines.len, sizeof s->lines.buf - s->lines.len);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN)
    return 1;
  if (n <= 0)
    {
      ctrlog_lines_flush (&s->lines, 1);
      if (s->fd == stdin_fd)
        stdin_fd = -1; /* the pty master is both */
      close (s->fd);
      s->fd = -1;
      return 0;
    }
  send_frame (strcmp (s->lines.name, "stderr") == 0 ? FR_STDERR : FR_STDOUT, s->lines.buf + s->lines.len, n);
  s->lines.len += n;
  ctrlog_lines_flush (&s->lines, 0);
  return 1;
}

static void
client_input (struct client *c)
{
  ssize_t n = read (c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
  size_t off = 0;
  if (n <= 0)
    {
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
      close (c->fd);
      c->fd = -1;
      return;
    }
  c->in_len += n;
  while (c->in_len - off >= 5)
    {
      unsigned char *h = (unsigned char *) c->in + off;
      size_t len = ((size_t) h[1] << 24) | ((size_t) h[2] << 16) | ((size_t) h[3] << 8) | h[4];
      if (len > sizeof c->in - 5)
        {
          close (c->fd);
          c->fd = -1;
          return;
        }
      if (c->in_len - off < 5 + len)
        break;
      if (h[0] == FR_STDIN && stdin_fd >= 0)
        write_all (stdin_fd, h + 5, len);
      else if (h[0] == FR_CLOSE_STDIN && stdin_fd >= 0 && !o.terminal)
        {
          close (stdin_fd);
          stdin_fd = -1;
        }
      else if (h[0] == FR_RESIZE && o.terminal && stdin_fd >= 0 && len == 4)
        {
          struct winsize ws;
          memset (&ws, 0, sizeof ws);
          ws.ws_row = (unsigned short) ((h[5] << 8) | h[6]);
          ws.ws_col = (unsigned short) ((h[7] << 8) | h[8]);
          ioctl (stdin_fd, TIOCSWINSZ, &ws);
        }
      off += 5 + len;
    }
  memmove (c->in, c->in + off, c->in_len - off);
  c->in_len -= off;
}

static void
accept_client (int lsock)
{
  int fd = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC), i;
  if (fd < 0)
    return;
  for (i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].fd < 0)
      {
        clients[i].fd = fd;
        clients[i].in_len = 0;
        return;
      }
  close (fd);
}

/* After the exit frame: half-close every client, then read (and drop) what it still
   sends until it closes. Closing at once would make a client that writes after the
   exit (stdin, close-stdin) get EPIPE, and node then drops the output and exit frames
   still queued on its side of the socket. Returns when the last client is gone; the
   bound only matters for a client that neither reads nor closes. */
static void
linger_clients (int timeout_ms)
{
  struct timespec t0, t;
  int i;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  for (i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].fd >= 0)
      shutdown (clients[i].fd, SHUT_WR);
  for (;;)
    {
      struct pollfd fds[MAX_CLIENTS];
      int idx[MAX_CLIENTS], n = 0, left;
      for (i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].fd >= 0)
          {
            idx[n] = i;
            fds[n].fd = clients[i].fd;
            fds[n++].events = POLLIN;
          }
      clock_gettime (CLOCK_MONOTONIC, &t);
      left = timeout_ms - (int) ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
      if (n == 0 || left <= 0 || (poll (fds, n, left) < 0 && errno != EINTR))
        break;
      for (i = 0; i < n; i++)
        if (fds[i].revents)
          {
            char junk[4096];
            ssize_t r = read (fds[i].fd, junk, sizeof junk);
            if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
              {
                close (fds[i].fd);
                clients[idx[i]].fd = -1;
              }
          }
    }
  for (i = 0; i < MAX_CLIENTS; i++)
    if (clients[i].fd >= 0)
      {
        close (clients[i].fd);
        clients[i].fd = -1;
      }
}

static void
write_file_atomic (const char *path, const char *text)
{
  char tmp[4096];
  int fd;
  snprintf (tmp, sizeof tmp, "%s.tmp-%d", path, (int) getpid ());
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  if (write_all (fd, text, strlen (text)) < 0 || fsync (fd) < 0)
    {
      close (fd);
      unlink (tmp);
      return;
    }
  close (fd);
  rename (tmp, path);
}

static void
write_exit_file (int code, int restarts)
{
  char ts[64], buf[256];
  ctrlog_timestamp (ts, sizeof ts);
  snprintf (buf, sizeof buf, "{\"exitCode\":%d,\"finishedAt\":\"%s\",\"restartCount\":%d}\n", code, ts, restarts);
  write_file_atomic (o.exit_file, buf);
}

static pid_t
read_pid_file (void)
{
  char buf[32];
  ssize_t n;
  int fd = open (o.pid_file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  return (pid_t) atoi (buf);
}

static char self_exe[4096];

/* Forks `tspod-helper run PLAN`, waits for it to release the container. Fills *cpid
   and the container's stream fds; on failure returns the exit code to record
   (125/126/127) with the helper's JSON error line in *errline. */
static int
start_container (pid_t *cpid, struct stream *out, struct stream *errs, char **errline)
{
  int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pi[2] = { -1, -1 }, st[2], cs[2] = { -1, -1 };
  pid_t r;
  int code;
  char *status = NULL;
  sigset_t none;

  *errline = NULL;
  if (pipe2 (st, O_CLOEXEC) < 0)
    return 125;
  if (o.terminal)
    {
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cs) < 0)
        return 125;
    }
  else if (pipe2 (po, O_CLOEXEC) < 0 || pipe2 (pe, O_CLOEXEC) < 0 || (o.keep_stdin && pipe2 (pi, O_CLOEXEC) < 0))
    return 125;
  unlink (o.pid_file);
  r = fork ();
  if (r < 0)
    return 125;
  if (r == 0)
    {
      int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC), k;
      int want[5] = { pi[0] >= 0 ? pi[0] : devnull, po[1] >= 0 ? po[1] : devnull, pe[1] >= 0 ? pe[1] : devnull, st[1], cs[1] };
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      signal (SIGPIPE, SIG_DFL);
      int base = o.terminal ? 5 : 4, *passed = xmalloc ((size_t) (o.preserve_n + 1) * sizeof (int));
      for (k = 0; k < 5; k++)
        if (want[k] >= 0)
          want[k] = fcntl (want[k], F_DUPFD_CLOEXEC, 100);
      for (k = 0; k < o.preserve_n; k++)
        passed[k] = fcntl (4 + k, F_DUPFD_CLOEXEC, 100);
      for (k = 0; k < 5; k++)
        if (want[k] >= 0)
          place_fd (want[k], k);
      /* After the status fd and console socket, where the plan's `preserve-fds` expects them. */
      for (k = 0; k < o.preserve_n; k++)
        place_fd (passed[k], base + k);
      close_range_from (base + o.preserve_n);
      execl (self_exe, self_exe, "run", o.plan, (char *) NULL);
      _exit (125);
    }
  close (st[1]);
  if (cs[1] >= 0)
    close (cs[1]);
  if (po[1] >= 0)
    close (po[1]);
  if (pe[1] >= 0)
    close (pe[1]);
  if (pi[0] >= 0)
    close (pi[0]);
  code = 0;
  {
    int status_w;
    while (waitpid (r, &status_w, 0) < 0 && errno == EINTR)
      ;
    code = WIFEXITED (status_w) ? WEXITSTATUS (status_w) : 125;
  }
  *cpid = read_pid_file ();
  if (o.terminal && code == 0)
    {
      helper_error_t e = NULL;
      int master = pty_receive_master (cs[0], &e);
      helper_error_release (&e);
      if (master >= 0)
        {
          out->fd = master;
          stdin_fd = master;
        }
    }
  if (cs[0] >= 0)
    close (cs[0]);
  /* The container keeps the status fd until its exec: EOF means it runs (or failed). */
  if (read_all (st[0], &status) >= 0 && status && strchr (status, '{'))
    {
      int ws;
      *errline = status;
      code = 125;
      if (*cpid > 0 && waitpid (*cpid, &ws, 0) == *cpid && WIFEXITED (ws))
        code = WEXITSTATUS (ws);
      *cpid = -1;
    }
  else
    free (status);
  close (st[0]);
  if (code != 0 || *cpid <= 0)
    {
      if (po[0] >= 0)
        close (po[0]);
      if (pe[0] >= 0)
        close (pe[0]);
      if (pi[1] >= 0)
        close (pi[1]);
      if (out->fd >= 0)
        close (out->fd);
      out->fd = -1;
      stdin_fd = -1;
      return code ? code : 125;
    }
  if (!o.terminal)
    {
      out->fd = po[0];
      errs->fd = pe[0];
      stdin_fd = pi[1];
    }
  return 0;
}

/* The monitor idles for the container's whole life: the code it ran to start it (plan
   parsing, the clone, libc's setup; the helper is one static binary) need not stay
   resident. Dropping the text pages' mappings (they stay in the page cache, and fault back
   in if run again) leaves the monitor holding only what its loop touches. Text only: the
   data and heap are private and written. */
extern char __executable_start[], etext[];

static void
drop_startup_text (void)
{
  long page = sysconf (_SC_PAGESIZE);
  uintptr_t start = ((uintptr_t) __executable_start + page - 1) & ~(uintptr_t) (page - 1);
  uintptr_t end = (uintptr_t) etext & ~(uintptr_t) (page - 1);
  if (end > start)
    madvise ((void *) start, end - start, MADV_DONTNEED);
}

/* How long poll may sleep: until the next health check or the --timeout kill (-1: no limit). */
static int
wait_ms (long long kill_at)
{
  int h = health_wait_ms ();
  long long left;
  if (kill_at < 0)
    return h;
  left = kill_at - now_ms ();
  if (left < 0)
    left = 0;
  if (left > 3600000)
    left = 3600000;
  return h < 0 || left < h ? (int) left : h;
}

/* Serve until the container exits; returns its exit code (128+signal when killed). */
static int
serve (pid_t cpid, int sfd, int lsock, struct stream *out, struct stream *errs)
{
  struct pollfd fds[4 + MAX_CLIENTS];
  int cidx[MAX_CLIENTS];
  int code = -1, i;
  /* --timeout counts from each start, as conmon's does. */
  long long kill_at = o.timeout_ms > 0 ? now_ms () + (long long) o.timeout_ms : -1;
  health_start ();
  for (;;)
    {
      int n = 0, nc = 0;
      fds[n].fd = sfd;
      fds[n++].events = POLLIN;
      fds[n].fd = lsock;
      fds[n++].events = POLLIN;
      fds[n].fd = out->fd;
      fds[n++].events = POLLIN;
      fds[n].fd = errs->fd;
      fds[n++].events = POLLIN;
      for (i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].fd >= 0)
          {
            cidx[nc++] = i;
            fds[n].fd = clients[i].fd;
            fds[n++].events = POLLIN;
          }
      if (poll (fds, n, code >= 0 ? 0 : wait_ms (kill_at)) < 0 && errno != EINTR)
        break;
      if (code < 0 && kill_at >= 0 && now_ms () >= kill_at)
        {
          kill (cpid, SIGKILL);
          kill_at = -1;
        }
      if (fds[0].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          int ws;
          pid_t p;
          while (read (sfd, &si, sizeof si) > 0)
            ;
          while ((p = waitpid (-1, &ws, WNOHANG)) > 0)
            if (p == cpid)
              code = WIFEXITED (ws) ? WEXITSTATUS (ws) : 128 + WTERMSIG (ws);
            else
              health_reaped (p);
        }
      if (code < 0)
        health_run_if_due ();
      if (fds[1].revents & POLLIN)
        accept_client (lsock);
      if (fds[2].revents)
        stream_read (out);
      if (fds[3].revents)
        stream_read (errs);
      for (i = 0; i < nc; i++)
        if (fds[4 + i].revents)
          client_input (&clients[cidx[i]]);
      if (code >= 0)
        {
          /* Drain what is left without blocking, then stop. */
          struct stream *ss[2] = { out, errs };
          int k;
          for (k = 0; k < 2; k++)
            if (ss[k]->fd >= 0)
              {
                fcntl (ss[k]->fd, F_SETFL, O_NONBLOCK);
                while (ss[k]->fd >= 0 && stream_read (ss[k]))
                  {
                    struct pollfd one = { ss[k]->fd, POLLIN, 0 };
                    if (poll (&one, 1, 0) <= 0)
                      break;
                  }
                ctrlog_lines_flush (&ss[k]->lines, 1);
                if (ss[k]->fd >= 0)
                  close (ss[k]->fd);
                ss[k]->fd = -1;
              }
          if (stdin_fd >= 0 && !o.terminal)
            close (stdin_fd);
          stdin_fd = -1;
          return code;
        }
    }
  return 125;
}

static int
should_restart (int code, int restarts)
{
  if (access (o.stop_marker, F_OK) == 0)
    return 0;
  switch (o.restart)
    {
    case RESTART_ALWAYS:
    case RESTART_UNLESS_STOPPED:
      return 1;
    case RESTART_ON_FAILURE:
      return code != 0 && (o.restart_max == 0 || (unsigned long long) restarts < o.restart_max);
    default:
      return 0;
    }
}

static int
listen_socket (void)
{
  struct sockaddr_un sa;
  int s, dfd = -1, r;
  const char *slash;
  if (o.sock_path == NULL || (slash = strrchr (o.sock_path, '/')) == NULL)
    return -1;
  s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return -1;
  memset (&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (strlen (o.sock_path) < sizeof sa.sun_path)
    strcpy (sa.sun_path, o.sock_path);
  else
    {
      /* Too long for sun_path (108 bytes): go through the directory's fd, as conmon does. */
      char dir[4096];
      snprintf (dir, sizeof dir, "%.*s", (int) (slash - o.sock_path), o.sock_path);
      dfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dfd < 0)
        {
          close (s);
          return -1;
        }
      snprintf (sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", dfd, slash + 1);
    }
  unlink (o.sock_path);
  r = bind (s, (struct sockaddr *) &sa, sizeof sa) < 0 || listen (s, 8) < 0 ? -1 : 0;
  if (dfd >= 0)
    close (dfd);
  if (r < 0)
    {
      close (s);
      return -1;
    }
  return s;
}

static int
parse_opts (int argc, char **argv)
{
  int i;
  memset (&o, 0, sizeof o);
  o.status_fd = -1;
  o.exit_cmd = xmalloc ((argc + 1) * sizeof (char *));
  o.health_cmd = xmalloc ((argc + 1) * sizeof (char *));
  for (i = 0; i < argc; i++)
    {
      const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
      unsigned long long n;
      if (strcmp (a, "--stdin") == 0)
        {
          o.keep_stdin = 1;
          continue;
        }
      if (strcmp (a, "--wait-attach") == 0)
        {
          o.wait_attach = 1;
          continue;
        }
      if (strcmp (a, "--terminal") == 0)
        {
          o.terminal = 1;
          continue;
        }
      if (v == NULL)
        return -1;
      i++;
      if (strcmp (a, "--plan") == 0)
        o.plan = v;
      else if (strcmp (a, "--log") == 0)
        o.log = v;
      else if (strcmp (a, "--exit-file") == 0)
        o.exit_file = v;
      else if (strcmp (a, "--pid-file") == 0)
        o.pid_file = v;
      else if (strcmp (a, "--socket") == 0)
        o.sock_path = v;
      else if (strcmp (a, "--state-file") == 0)
        o.state_file = v;
      else if (strcmp (a, "--stop-marker") == 0)
        o.stop_marker = v;
      else if (strcmp (a, "--exit-cmd") == 0)
        o.exit_cmd[o.n_exit++] = (char *) v;
      else if (strcmp (a, "--health-cmd") == 0)
        o.health_cmd[o.n_health++] = (char *) v;
      else if (strcmp (a, "--health-interval") == 0 && parse_u64 (v, &n) == 0 && n > 0)
        o.health_ms = n;
      else if (strcmp (a, "--timeout") == 0 && parse_u64 (v, &n) == 0)
        o.timeout_ms = n * 1000;
      else if (strcmp (a, "--log-max") == 0 && parse_u64 (v, &n) == 0)
        o.log_max = n;
      else if (strcmp (a, "--status-fd") == 0 && parse_u64 (v, &n) == 0)
        o.status_fd = (int) n;
      else if (strcmp (a, "--preserve-fds") == 0 && parse_u64 (v, &n) == 0 && n <= 1000)
        o.preserve_n = (int) n;
      else if (strcmp (a, "--restart") == 0)
        {
          const char *c = strchr (v, ':');
          size_t l = c ? (size_t) (c - v) : strlen (v);
          if (strncmp (v, "no", l) == 0 && l == 2)
            o.restart = RESTART_NO;
          else if (strncmp (v, "always", l) == 0 && l == 6)
            o.restart = RESTART_ALWAYS;
          else if (strncmp (v, "unless-stopped", l) == 0 && l == 14)
            o.restart = RESTART_UNLESS_STOPPED;
          else if (strncmp (v, "on-failure", l) == 0 && l == 10)
            o.restart = RESTART_ON_FAILURE;
          else
            return -1;
          if (c && parse_u64 (c + 1, &o.restart_max) < 0)
            return -1;
        }
      else
        return -1;
    }
  o.exit_cmd[o.n_exit] = NULL;
  o.health_cmd[o.n_health] = NULL;
  if (o.health_ms == 0)
    o.n_health = 0; /* a command with no interval is never run */
  return o.plan && o.exit_file && o.pid_file && o.stop_marker ? 0 : -1;
}

/* tspod-helper monitor --plan P --exit-file F --pid-file F --stop-marker F [...] */
int
helper_monitor_main (int argc, char **argv)
{
  struct stream out, errs;
  sigset_t mask;
  int sfd, lsock, restarts = 0, first = 1, i, code = 125;
  ssize_t n;

  if (parse_opts (argc, argv) < 0)
    {
      dprintf (2, "tspod-helper: usage: tspod-helper monitor --plan P --exit-file F --pid-file F --stop-marker F "
                  "[--state-file F] [--log F] [--log-max N] [--socket S] [--restart POLICY] [--stdin] [--terminal] [--wait-attach] "
                  "[--status-fd N] [--preserve-fds N] [--exit-cmd ARG]... [--health-interval MS --health-cmd ARG...]\n");
      return 125;
    }
  health_configure (o.n_health > 0 ? o.health_cmd : NULL, o.health_ms);
  n = readlink ("/proc/self/exe", self_exe, sizeof self_exe - 1);
  if (n <= 0)
    return 125;
  self_exe[n] = '\0';
  if (o.status_fd >= 0)
    fcntl (o.status_fd, F_SETFD, FD_CLOEXEC);
  /* Kept for every start (a restart too, as a socket unit's socket stays), lent to none else. */
  for (i = 0; i < o.preserve_n; i++)
    fcntl (4 + i, F_SETFD, FD_CLOEXEC);
  if (getsid (0) != getpid ())
    setsid ();
  if (chdir ("/") < 0)
    return 125;
  prctl (PR_SET_CHILD_SUBREAPER, 1);
  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&mask);
  sigaddset (&mask, SIGCHLD);
  sigaddset (&mask, SIGTERM);
  sigaddset (&mask, SIGINT);
  sigaddset (&mask, SIGHUP);
  sigprocmask (SIG_BLOCK, &mask, NULL);
  sfd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  for (i = 0; i < MAX_CLIENTS; i++)
    clients[i].fd = -1;
  ctrlog_open (o.log, o.log_max);
  lsock = listen_socket ();
  if (o.wait_attach && lsock >= 0)
    {
      /* start -a: the first client sees everything (10 s at most). */
      struct pollfd one = { lsock, POLLIN, 0 };
      if (poll (&one, 1, 10000) > 0)
        accept_client (lsock);
    }

  for (;;)
    {
      pid_t cpid = -1;
      char *errline = NULL;
      memset (&out, 0, sizeof out);
      memset (&errs, 0, sizeof errs);
      out.fd = errs.fd = -1;
      out.lines.name = "stdout";
      errs.lines.name = "stderr";
      unlink (o.exit_file);
      code = start_container (&cpid, &out, &errs, &errline);
      if (first && o.status_fd >= 0)
        {
          char buf[64];
          if (code == 0)
            {
              snprintf (buf, sizeof buf, "{\"pid\":%d}\n", (int) cpid);
              write_all (o.status_fd, buf, strlen (buf));
            }
          else
            {
              const char *line = errline ? errline : "{\"error\":\"the container did not start\",\"stage\":\"monitor\"}\n";
              write_all (o.status_fd, line, strlen (line));
              snprintf (buf, sizeof buf, "{\"exitCode\":%d}\n", code);
              write_all (o.status_fd, buf, strlen (buf));
            }
          close (o.status_fd);
          o.status_fd = -1;
        }
      free (errline);
      if (code == 0 && o.state_file)
        {
          char buf[96];
          snprintf (buf, sizeof buf, "{\"pid\":%d,\"restartCount\":%d}\n", (int) cpid, restarts);
          write_file_atomic (o.state_file, buf);
        }
      if (code == 0)
        {
          drop_startup_text ();
          code = serve (cpid, sfd, lsock, &out, &errs);
        }
      write_exit_file (code, restarts);
      if (first)
        first = 0;
      if (!should_restart (code, restarts))
        break;
      restarts++;
    }
  /* No new clients: the path goes before a new monitor (start) may bind it again. */
  if (lsock >= 0)
    {
      close (lsock);
      unlink (o.sock_path);
    }
  {
    char c[4] = { (char) (code >> 24), (char) (code >> 16), (char) (code >> 8), (char) code };
    send_frame (FR_EXIT, c, 4);
  }
  linger_clients (5000);
  ctrlog_close ();
  health_finish ();
  if (o.n_exit > 0)
    {
      pid_t p = spawn_quiet (o.exit_cmd, 0);
      if (p > 0)
        while (waitpid (p, NULL, 0) < 0 && errno == EINTR)
          ;
    }
  return 0;
}

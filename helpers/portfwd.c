/* `portfwd`: tspod's forwarder for published TCP and UDP ports (README.md, "portfwd"),
   the role of podman's rootlessport. A network hook of `run`: it binds every published
   host address:port in the host network namespace first (a port in use fails here,
   before the container runs), then joins the container's user and network namespaces
   (the listeners stay in the host's), writes its ready byte to fd 3 and serves until the
   keeper dies (PR_SET_PDEATHSIG, set by hooks.c). This file has the TCP side and the
   loop; UDP flows are portfwd_udp.c's.

   Each accepted connection gets a socket made inside the container's netns, connected
   to 127.0.0.1:containerPort (rootlesskit's builtin driver does the same), and two
   pipes: bytes move with splice(2) socket -> pipe -> socket, never through user space.
   One thread, one epoll set (edge-triggered for connections); no fork or thread per
   connection or flow. EOF on one side becomes shutdown(SHUT_WR) on the other once the
   pipe is flushed; a reset or an error on either side closes both, the other with a
   reset (SO_LINGER 0). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "portfwd.h"
#include "portfwd_udp.h"
#include "utils.h"

/* Per direction, a pipe starts at the default 64 KiB; once a read fills it (the sender had
   more) it grows to 1 MiB, the unprivileged maximum: a bulk transfer then moves in ~1 MiB
   splices (a tenth of the calls, about half the CPU of 64 KiB pipes). Pipe sizes count
   against the user's pipe quota (fs.pipe-user-pages-soft), so idle connections and the
   pool keep small pipes; a pipe the quota does not let grow only costs speed. */
#define PIPE_SMALL (64 * 1024)
#define PIPE_BIG (1024 * 1024)
/* Empty pipes kept for the next connections (each holds pipe quota). */
#define PIPE_POOL 8
#define MAX_EVENTS 64
#define READY_FD 3

struct listener
{
  struct endpoint ep;
  int fd;
  int container_port;
};

struct pipe_buf
{
  int rd, wr;
  size_t cap;
};

/* Bytes read from fd[i] and not yet written to fd[1 - i]. */
struct half
{
  struct pipe_buf p;
  size_t queued;
  int grown; /* PIPE_BIG was asked for (once) */
  int eof;  /* fd[i] said EOF */
  int shut; /* EOF passed on: shutdown (fd[1 - i], SHUT_WR) done */
};

struct conn
{
  struct endpoint ep[2];
  int fd[2];
  struct half h[2];
  int connecting;
  int dead;
  struct conn *next_dead;
};

static struct pipe_buf pool[PIPE_POOL];
static int pool_n;
static int epfd;
static int spare_fd = -1; /* closed to accept-and-drop when out of fds */
static struct conn *dead_list;
static int have_ready_fd; /* fd 3 was open at start: we run as a hook */

/* A failure before the ready byte: with fd 3 open (a hook of `run`), `!` and the one line
   go there and hooks.c makes them the error; otherwise the line goes to stderr. */
static int __attribute__ ((format (printf, 1, 2)))
fail (const char *fmt, ...)
{
  char msg[400];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (have_ready_fd)
    dprintf (READY_FD, "!%s\n", msg);
  else
    dprintf (2, "tspod-helper: %s\n", msg);
  return -1;
}

/* ---------------------------------------------------------------- arguments */

struct mapping
{
  char addr[INET6_ADDRSTRLEN];
  int host, container, count;
  int type; /* SOCK_STREAM (tcp, the default) or SOCK_DGRAM (udp) */
};

static int
parse_range (const char *s, int *start, int *count)
{
  char *end;
  long a = strtol (s, &end, 10), b = a;
  if (end == s || a < 1 || a > 65535)
    return -1;
  if (*end == '-')
    {
      const char *t = end + 1;
      b = strtol (t, &end, 10);
      if (end == t || b < a || b > 65535)
        return -1;
    }
  if (*end != '\0')
    return -1;
  *start = (int) a;
  *count = (int) (b - a + 1);
  return 0;
}

/* `[ADDR/]HOST[-END]:CONTAINER[-END][/tcp|/udp]` (pasta's -t syntax, and the
   protocol as -p writes it; tcp when none is given). */
static int
parse_mapping (const char *arg, struct mapping *m)
{
  cleanup_free char *s = xstrdup (arg);
  char *ports = s, *colon, *slash = strrchr (s, '/');
  int n;
  m->addr[0] = '\0';
  m->type = SOCK_STREAM;
  if (slash && (strcmp (slash, "/tcp") == 0 || strcmp (slash, "/udp") == 0))
    {
      m->type = slash[1] == 'u' ? SOCK_DGRAM : SOCK_STREAM;
      *slash = '\0';
    }
  slash = strchr (s, '/');
  if (slash)
    {
      *slash = '\0';
      if (strlen (s) >= sizeof m->addr)
        return -1;
      strcpy (m->addr, s);
      ports = slash + 1;
    }
  colon = strchr (ports, ':');
  if (colon == NULL)
    return -1;
  *colon = '\0';
  if (parse_range (ports, &m->host, &m->count) < 0 || parse_range (colon + 1, &m->container, &n) < 0 || n != m->count)
    return -1;
  return 0;
}

/* ---------------------------------------------------------------- listeners */

static const char *
where (const char *addr, int family, int type, char *buf, size_t len, int port)
{
  const char *proto = type == SOCK_DGRAM ? "udp" : "tcp";
  if (addr[0] == '\0')
    snprintf (buf, len, family == AF_INET6 ? "[::]:%d/%s" : "0.0.0.0:%d/%s", port, proto);
  else if (strchr (addr, ':'))
    snprintf (buf, len, "[%s]:%d/%s", addr, port, proto);
  else
    snprintf (buf, len, "%s:%d/%s", addr, port, proto);
  return buf;
}

/* Returns the bound (for TCP: listening) fd of TYPE, -2 to skip (OPTIONAL and no IPv6 on
   this host), or -1 after the one error line (fail). */
static int
bind_one (const char *addr, int family, int type, int port, int optional)
{
  struct sockaddr_storage ss;
  socklen_t len;
  char w[80];
  int fd, one = 1, e;

  memset (&ss, 0, sizeof ss);
  if (family == AF_INET6)
    {
      struct sockaddr_in6 *a = (struct sockaddr_in6 *) &ss;
      a->sin6_family = AF_INET6;
      a->sin6_port = htons ((uint16_t) port);
      a->sin6_addr = in6addr_any;
      if (addr[0] && inet_pton (AF_INET6, addr, &a->sin6_addr) != 1)
        goto bad_addr;
      len = sizeof *a;
    }
  else
    {
      struct sockaddr_in *a = (struct sockaddr_in *) &ss;
      a->sin_family = AF_INET;
      a->sin_port = htons ((uint16_t) port);
      a->sin_addr.s_addr = htonl (INADDR_ANY);
      if (addr[0] && inet_pton (AF_INET, addr, &a->sin_addr) != 1)
        goto bad_addr;
      len = sizeof *a;
    }
  fd = socket (family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 && optional && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT))
    return -2;
  if (fd < 0)
    return fail ("cannot publish on %s: socket: %s", where (addr, family, type, w, sizeof w, port), strerror (errno));
  /* TCP: rebind past TIME_WAIT. Not UDP, where SO_REUSEADDR lets two sockets share a
     port: a clash with another such socket would pass unnoticed. */
  if (type == SOCK_STREAM)
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6)
    setsockopt (fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &ss, len) == 0 && (type == SOCK_DGRAM || listen (fd, SOMAXCONN) == 0))
    return fd;
  e = errno;
  close (fd);
  if (optional && (e == EADDRNOTAVAIL || e == EAFNOSUPPORT))
    return -2;
  where (addr, family, type, w, sizeof w, port);
  if (e == EADDRINUSE)
    return fail ("host port %s is already in use", w);
  if (e == EADDRNOTAVAIL)
    return fail ("cannot publish on %s: the host has no address %s", w, addr);
  if (e == EACCES)
    return fail ("cannot publish on %s: ports below 1024 need privileges", w);
  return fail ("cannot publish on %s: %s", w, strerror (e));
bad_addr:
  return fail ("portfwd: invalid host address `%s`", addr);
}

static int
add_listener (int fd, int type, int container_port)
{
  int r;
  struct listener *l;
  if (type == SOCK_DGRAM)
    return udp_add_host (epfd, fd, container_port) < 0 ? fail ("portfwd: epoll_ctl: %s", strerror (errno)) : 0;
  l = xmalloc (sizeof *l);
  memset (l, 0, sizeof *l);
  l->fd = fd;
  l->container_port = container_port;
  r = endpoint_watch (epfd, fd, &l->ep, EP_LISTENER, l, EPOLLIN);
  return r < 0 ? fail ("portfwd: epoll_ctl: %s", strerror (errno)) : 0;
}

/* ---------------------------------------------------------------- namespaces */

/* setns into /proc/PID/ns/NAME unless we are in it already. */
static int
join_ns (const char *pid, const char *name, int nstype)
{
  char path[64];
  struct stat a, b;
  cleanup_close int fd = -1;
  snprintf (path, sizeof path, "/proc/%s/ns/%s", pid, name);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail ("portfwd: open `%s`: %s", path, strerror (errno));
  snprintf (path, sizeof path, "/proc/self/ns/%s", name);
  if (fstat (fd, &a) == 0 && stat (path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
    return 0;
  if (setns (fd, nstype) < 0)
    return fail ("portfwd: join the %s namespace of %s: %s", name, pid, strerror (errno));
  return 0;
}

/* ---------------------------------------------------------------- connections */

static int
pipe_get (struct pipe_buf *p)
{
  int fds[2], sz;
  if (pool_n > 0)
    {
      *p = pool[--pool_n];
      return 0;
    }
  if (pipe2 (fds, O_NONBLOCK | O_CLOEXEC) < 0)
    return -1;
  p->rd = fds[0];
  p->wr = fds[1];
  sz = fcntl (p->wr, F_GETPIPE_SZ);
  p->cap = sz > 0 ? (size_t) sz : PIPE_SMALL;
  return 0;
}

static void
pipe_resize (struct pipe_buf *p, int size)
{
  int sz = fcntl (p->wr, F_SETPIPE_SZ, size);
  if (sz > 0)
    p->cap = (size_t) sz;
}

/* An empty pipe goes back to the pool; one still holding bytes is closed. */
static void
pipe_put (struct pipe_buf *p, size_t queued)
{
  if (p->rd < 0)
    return;
  if (queued == 0 && pool_n < PIPE_POOL)
    {
      if (p->cap > PIPE_SMALL)
        pipe_resize (p, PIPE_SMALL);
      pool[pool_n++] = *p;
    }
  else
    {
      close (p->rd);
      close (p->wr);
    }
  p->rd = p->wr = -1;
}

static void
reset_close (int fd)
{
  struct linger lg = { 1, 0 };
  if (fd < 0)
    return;
  setsockopt (fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close (fd);
}

/* Closes both sockets now (the fds may be reused at once; a later event of this batch
   sees `dead`); the memory goes after the batch. */
static void
conn_close (struct conn *c, int reset)
{
  int i;
  if (c->dead)
    return;
  c->dead = 1;
  for (i = 0; i < 2; i++)
    {
      if (reset)
        reset_close (c->fd[i]);
      else if (c->fd[i] >= 0)
        close (c->fd[i]);
      c->fd[i] = -1;
      pipe_put (&c->h[i].p, c->h[i].queued);
    }
  c->next_dead = dead_list;
  dead_list = c;
}

/* Moves what fd[i] has to fd[1 - i] until both block; passes EOF on as SHUT_WR.
   -1: an error or reset, the connection must go. */
static int
pump (struct conn *c, int i)
{
  struct half *h = &c->h[i];
  int src = c->fd[i], dst = c->fd[1 - i];
  ssize_t n;
  int progress;
  do
    {
      progress = 0;
      if (h->queued > 0)
        {
          n = splice (h->p.rd, NULL, dst, NULL, h->queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n > 0)
            {
              h->queued -= (size_t) n;
              progress = 1;
            }
          else if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        }
      if (!h->eof && h->queued < h->p.cap)
        {
          size_t room = h->p.cap - h->queued;
          n = splice (src, NULL, h->p.wr, NULL, room, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n > 0)
            {
              h->queued += (size_t) n;
              progress = 1;
              /* The pipe, not the sender, limited this read: a bulk transfer. */
              if ((size_t) n == room && !h->grown)
                {
                  h->grown = 1;
                  pipe_resize (&h->p, PIPE_BIG);
                }
            }
          else if (n == 0)
            h->eof = 1;
          else if (errno != EAGAIN && errno != EINTR)
            return -1;
        }
    }
  while (progress);
  if (h->eof && h->queued == 0 && !h->shut)
    {
      h->shut = 1;
      if (shutdown (dst, SHUT_WR) < 0 && errno != ENOTCONN)
        return -1;
    }
  return 0;
}

int
endpoint_watch (int epfd_, int fd, struct endpoint *ep, int kind, void *owner, uint32_t events)
{
  struct epoll_event ev;
  ep->kind = kind;
  ep->owner = owner;
  ev.events = events;
  ev.data.ptr = ep;
  return epoll_ctl (epfd_, EPOLL_CTL_ADD, fd, &ev);
}

static int
watch (struct conn *c, int side)
{
  struct epoll_event ev;
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = &c->ep[side];
  return epoll_ctl (epfd, EPOLL_CTL_ADD, c->fd[side], &ev);
}

static void
conn_settle (struct conn *c)
{
  if (c->h[0].shut && c->h[1].shut)
    conn_close (c, 0);
}

static void
conn_connected (struct conn *c)
{
  c->connecting = 0;
  if (watch (c, 0) < 0 || pump (c, 0) < 0 || pump (c, 1) < 0)
    conn_close (c, 1);
  else
    conn_settle (c);
}

static void
conn_event (struct conn *c, int side, uint32_t events)
{
  if (c->dead)
    return;
  if (c->connecting)
    {
      int err = 0;
      socklen_t len = sizeof err;
      if (side != 1 || !(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
        return;
      if (getsockopt (c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0)
        conn_close (c, 1);
      else
        conn_connected (c);
      return;
    }
  /* HUP without our SHUT_WR on this socket, or an error: it was reset. What it had
     sent before still goes on (as far as the other side takes it now), then both go. */
  if ((events & EPOLLERR) || ((events & EPOLLHUP) && !c->h[1 - side].shut))
    {
      pump (c, side);
      conn_close (c, 1);
      return;
    }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) && pump (c, side) < 0)
    {
      conn_close (c, 1);
      return;
    }
  if ((events & EPOLLOUT) && pump (c, 1 - side) < 0)
    {
      conn_close (c, 1);
      return;
    }
  conn_settle (c);
}

static void
conn_start (int client, int container_port)
{
  struct sockaddr_in to;
  struct conn *c;
  int one = 1, fd, i;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      reset_close (client);
      return;
    }
  c = xmalloc (sizeof *c);
  memset (c, 0, sizeof *c);
  c->fd[0] = client;
  c->fd[1] = fd;
  for (i = 0; i < 2; i++)
    {
      c->ep[i].kind = EP_CONN;
      c->ep[i].side = i;
      c->ep[i].owner = c;
      c->h[i].p.rd = c->h[i].p.wr = -1;
      setsockopt (c->fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  c->connecting = 1;
  if (pipe_get (&c->h[0].p) < 0 || pipe_get (&c->h[1].p) < 0)
    {
      conn_close (c, 1);
      return;
    }
  memset (&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons ((uint16_t) container_port);
  to.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &to, sizeof to) == 0)
    {
      if (watch (c, 1) < 0)
        conn_close (c, 1);
      else
        conn_connected (c);
    }
  else if (errno != EINPROGRESS || watch (c, 1) < 0)
    conn_close (c, 1);
}

static void
accept_all (struct listener *l)
{
  int i;
  for (i = 0; i < MAX_EVENTS; i++)
    {
      int fd = accept4 (l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0)
        {
          conn_start (fd, l->container_port);
          continue;
        }
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0)
        {
          /* Out of fds: refuse this client rather than spin on a readable listener. */
          close (spare_fd);
          fd = accept4 (l->fd, NULL, NULL, SOCK_CLOEXEC);
          reset_close (fd);
          spare_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
          continue;
        }
      return;
    }
}

/* ---------------------------------------------------------------- main */

static void
usage (void)
{
  dprintf (2, "tspod-helper: usage: tspod-helper portfwd PID [ADDR/]HOSTPORT[-END]:CONTAINERPORT[-END][/tcp|/udp]...\n");
}

int
helper_portfwd_main (int argc, char **argv)
{
  struct epoll_event events[MAX_EVENTS];
  struct rlimit rl;
  const char *pid;
  int i, p, n, fd;
  char c = '1';

  if (argc < 2 || strspn (argv[0], "0123456789") != strlen (argv[0]))
    {
      usage ();
      return 125;
    }
  pid = argv[0];
  have_ready_fd = fcntl (READY_FD, F_GETFD) >= 0;
  signal (SIGPIPE, SIG_IGN);
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
  epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (epfd < 0)
    {
      fail ("portfwd: epoll_create1: %s", strerror (errno));
      return 125;
    }
  /* Every listener first, in the host's network namespace. */
  for (i = 1; i < argc; i++)
    {
      struct mapping m;
      if (parse_mapping (argv[i], &m) < 0)
        {
          fail ("portfwd: invalid port mapping `%s`: want [ADDR/]HOSTPORT[-END]:CONTAINERPORT[-END][/tcp|/udp]", argv[i]);
          return 125;
        }
      for (p = 0; p < m.count; p++)
        {
          int wildcard = m.addr[0] == '\0', v6 = strchr (m.addr, ':') != NULL;
          fd = bind_one (m.addr, v6 ? AF_INET6 : AF_INET, m.type, m.host + p, 0);
          if (fd < 0 || add_listener (fd, m.type, m.container + p) < 0)
            return 125;
          if (wildcard)
            {
              /* [::] too, v6-only, where the host has IPv6 (pasta does the same). */
              fd = bind_one (m.addr, AF_INET6, m.type, m.host + p, 1);
              if (fd == -1 || (fd >= 0 && add_listener (fd, m.type, m.container + p) < 0))
                return 125;
            }
        }
    }
  if (join_ns (pid, "user", CLONE_NEWUSER) < 0 || join_ns (pid, "net", CLONE_NEWNET) < 0)
    return 125;
  spare_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  /* Nothing goes to stdout: do not hold the container's output open. */
  fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd >= 0 && fd != STDOUT_FILENO)
    {
      dup2 (fd, STDOUT_FILENO);
      close (fd);
    }
  if (have_ready_fd)
    {
      if (write (READY_FD, &c, 1) != 1)
        return 125;
      close (READY_FD);
    }
  for (;;)
    {
      /* Wakes for the oldest UDP flow's idle deadline too. */
      n = epoll_wait (epfd, events, MAX_EVENTS, udp_timeout_ms ());
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          dprintf (2, "tspod-helper: portfwd: epoll_wait: %s\n", strerror (errno));
          return 1;
        }
      for (i = 0; i < n; i++)
        {
          struct endpoint *ep = events[i].data.ptr;
          if (ep->kind == EP_LISTENER)
            accept_all (ep->owner);
          else if (ep->kind == EP_CONN)
            conn_event (ep->owner, ep->side, events[i].events);
          else
            udp_event (ep, events[i].events);
        }
      udp_after_batch ();
      while (dead_list)
        {
          struct conn *d = dead_list;
          dead_list = d->next_dead;
          free (d);
        }
    }
}

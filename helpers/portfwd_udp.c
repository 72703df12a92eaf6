/* The UDP half of `portfwd` (README.md, "portfwd"). portfwd.c binds a UDP socket per
   published host address:port in the host's network namespace, joins the container's
   namespaces and hands each socket here.

   UDP has no connections, so this keeps flows, as conntrack and rootlesskit do: the
   first datagram from a client address (the sockaddr recvfrom gives) makes a socket
   inside the container's netns (we are in it by then), connected to
   127.0.0.1:containerPort. Client datagrams go out with send() on it; what comes back
   on it goes to that client with sendto() on the host socket, so the container sees one
   peer per client and each client gets its own replies. One datagram in, one out: never
   merged or split.

   A flow without traffic either way for UDP_IDLE_MS is closed (conntrack keeps an
   unreplied UDP entry 30 s and a replied one 120 s; 60 s sits between). At most
   UDP_MAX_FLOWS flows (one fd each); a new client beyond that evicts the oldest.
   ICMP errors (ECONNREFUSED: nothing listens in the container yet) are consumed and
   ignored: the client simply gets no answer, as without the forwarder. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "portfwd_udp.h"
#include "utils.h"

#define UDP_IDLE_MS 60000
#define UDP_MAX_FLOWS 4096
/* A power of two, twice the flows: short hash chains. */
#define UDP_BUCKETS 8192
/* The largest UDP payload is 65535 - 8 - 20 (IPv4); 64 KiB always holds a whole one. */
#define UDP_BUF (64 * 1024)
/* Datagrams read per event and socket before the others get their turn (the sockets
   are level-triggered: what is left brings the next event). */
#define UDP_BATCH 64

struct udp_host
{
  struct endpoint ep;
  int fd;
  int container_port;
};

struct udp_flow
{
  struct endpoint ep;
  struct udp_host *host;
  int fd; /* in the container's netns, connected to 127.0.0.1:containerPort */
  struct sockaddr_storage peer;
  socklen_t peer_len;
  unsigned hash;
  uint64_t last; /* CLOCK_MONOTONIC ms of the last datagram either way */
  int dead;
  struct udp_flow *chain;        /* hash bucket */
  struct udp_flow *older, *newer; /* idle order: `oldest` first */
  struct udp_flow *next_dead;
};

static int udp_epfd = -1;
static unsigned char buf[UDP_BUF];
static struct udp_flow *buckets[UDP_BUCKETS];
static struct udp_flow *oldest, *newest;
static struct udp_flow *dead_flows;
static int n_flows;

static uint64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- flow table */

/* FNV-1a over the host socket and the client's family, port and address (the parts
   recvfrom fills; no padding is hashed or compared). */
static unsigned
peer_hash (const struct udp_host *h, const struct sockaddr_storage *ss)
{
  const unsigned char *p;
  size_t n, i;
  unsigned x = 2166136261u;
  uintptr_t hp = (uintptr_t) h;
  if (ss->ss_family == AF_INET6)
    {
      const struct sockaddr_in6 *a = (const struct sockaddr_in6 *) ss;
      x = (x ^ a->sin6_port) * 16777619u;
      x = (x ^ a->sin6_scope_id) * 16777619u;
      p = a->sin6_addr.s6_addr;
      n = sizeof a->sin6_addr;
    }
  else
    {
      const struct sockaddr_in *a = (const struct sockaddr_in *) ss;
      x = (x ^ a->sin_port) * 16777619u;
      p = (const unsigned char *) &a->sin_addr;
      n = sizeof a->sin_addr;
    }
  for (i = 0; i < n; i++)
    x = (x ^ p[i]) * 16777619u;
  for (i = 0; i < sizeof hp; i++, hp >>= 8)
    x = (x ^ (hp & 0xff)) * 16777619u;
  return x;
}

static int
peer_equal (const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
  if (a->ss_family != b->ss_family)
    return 0;
  if (a->ss_family == AF_INET6)
    {
      const struct sockaddr_in6 *x = (const struct sockaddr_in6 *) a, *y = (const struct sockaddr_in6 *) b;
      return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id
             && memcmp (&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
  {
    const struct sockaddr_in *x = (const struct sockaddr_in *) a, *y = (const struct sockaddr_in *) b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
}

static struct udp_flow *
flow_find (struct udp_host *h, const struct sockaddr_storage *ss, unsigned hash)
{
  struct udp_flow *f;
  for (f = buckets[hash & (UDP_BUCKETS - 1)]; f; f = f->chain)
    if (f->hash == hash && f->host == h && peer_equal (&f->peer, ss))
      return f;
  return NULL;
}

static void
idle_unlink (struct udp_flow *f)
{
  if (f->older)
    f->older->newer = f->newer;
  else
    oldest = f->newer;
  if (f->newer)
    f->newer->older = f->older;
  else
    newest = f->older;
  f->older = f->newer = NULL;
}

static void
idle_append (struct udp_flow *f)
{
  f->older = newest;
  f->newer = NULL;
  if (newest)
    newest->newer = f;
  else
    oldest = f;
  newest = f;
}

/* Traffic either way: the flow becomes the newest. */
static void
flow_touch (struct udp_flow *f)
{
  f->last = now_ms ();
  if (newest != f)
    {
      idle_unlink (f);
      idle_append (f);
    }
}

/* Closes the socket and takes the flow out of the table now (the fd may be reused at
   once; a later event of this batch for it sees `dead`); the memory goes after the batch. */
static void
flow_close (struct udp_flow *f)
{
  struct udp_flow **pp;
  if (f->dead)
    return;
  f->dead = 1;
  close (f->fd);
  f->fd = -1;
  for (pp = &buckets[f->hash & (UDP_BUCKETS - 1)]; *pp; pp = &(*pp)->chain)
    if (*pp == f)
      {
        *pp = f->chain;
        break;
      }
  idle_unlink (f);
  n_flows--;
  f->next_dead = dead_flows;
  dead_flows = f;
}

/* A socket in the container's netns (portfwd.c joined it before serving), connected to
   127.0.0.1:PORT like the TCP side's. -1 with errno. */
static int
container_socket (int port)
{
  struct sockaddr_in to;
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  memset (&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons ((uint16_t) port);
  to.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &to, sizeof to) < 0)
    {
      int e = errno;
      close (fd);
      errno = e;
      return -1;
    }
  return fd;
}

/* The new client's flow, or NULL (its datagram is dropped, as a full conntrack would). */
static struct udp_flow *
flow_open (struct udp_host *h, const struct sockaddr_storage *ss, socklen_t len, unsigned hash)
{
  struct udp_flow *f;
  int fd;

  if (n_flows >= UDP_MAX_FLOWS)
    flow_close (oldest);
  fd = container_socket (h->container_port);
  if (fd < 0 && (errno == EMFILE || errno == ENFILE) && oldest)
    {
      /* Out of fds before the flow cap: the oldest flow gives its fd up. */
      flow_close (oldest);
      fd = container_socket (h->container_port);
    }
  if (fd < 0)
    return NULL;
  f = xmalloc (sizeof *f);
  memset (f, 0, sizeof *f);
  f->host = h;
  f->fd = fd;
  memcpy (&f->peer, ss, len);
  f->peer_len = len;
  f->hash = hash;
  if (endpoint_watch (udp_epfd, fd, &f->ep, EP_UDP_FLOW, f, EPOLLIN) < 0)
    {
      close (fd);
      free (f);
      return NULL;
    }
  f->chain = buckets[hash & (UDP_BUCKETS - 1)];
  buckets[hash & (UDP_BUCKETS - 1)] = f;
  n_flows++;
  f->last = now_ms ();
  idle_append (f);
  return f;
}

/* ---------------------------------------------------------------- datagrams */

/* Client -> container. A pending ICMP error of the flow's socket fails the next send
   (ECONNREFUSED) without sending: the error is consumed by that, so try once more. */
static void
to_container (struct udp_flow *f, size_t n)
{
  if (send (f->fd, buf, n, 0) < 0 && errno == ECONNREFUSED)
    (void) send (f->fd, buf, n, 0);
  /* Anything else (EAGAIN: the container's buffer is full) drops the datagram: UDP. */
}

static void
host_readable (struct udp_host *h)
{
  int i;
  for (i = 0; i < UDP_BATCH; i++)
    {
      struct sockaddr_storage ss;
      socklen_t len = sizeof ss;
      struct udp_flow *f;
      unsigned hash;
      ssize_t n;

      memset (&ss, 0, sizeof ss);
      n = recvfrom (h->fd, buf, sizeof buf, 0, (struct sockaddr *) &ss, &len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return; /* EAGAIN; an unconnected socket gets no ICMP errors */
        }
      if (len > sizeof ss || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
        continue;
      hash = peer_hash (h, &ss);
      f = flow_find (h, &ss, hash);
      if (f == NULL)
        f = flow_open (h, &ss, len, hash);
      if (f == NULL)
        continue;
      flow_touch (f);
      to_container (f, (size_t) n);
    }
}

/* Container -> the flow's client. */
static void
flow_readable (struct udp_flow *f)
{
  int i;
  for (i = 0; i < UDP_BATCH && !f->dead; i++)
    {
      ssize_t n = recv (f->fd, buf, sizeof buf, 0);
      if (n < 0)
        {
          /* ECONNREFUSED (an ICMP error; EPOLLERR until read): consumed, keep going. */
          if (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH)
            continue;
          if (errno != EAGAIN)
            flow_close (f);
          return;
        }
      flow_touch (f);
      /* EAGAIN here (the host socket's buffer is full) drops the datagram: UDP. */
      (void) sendto (f->host->fd, buf, (size_t) n, 0, (struct sockaddr *) &f->peer, f->peer_len);
    }
}

/* ---------------------------------------------------------------- the loop's side */

int
udp_add_host (int epfd, int fd, int container_port)
{
  struct udp_host *h = xmalloc (sizeof *h);
  memset (h, 0, sizeof *h);
  udp_epfd = epfd;
  h->fd = fd;
  h->container_port = container_port;
  return endpoint_watch (epfd, fd, &h->ep, EP_UDP_HOST, h, EPOLLIN);
}

void
udp_event (struct endpoint *ep, uint32_t events)
{
  (void) events;
  if (ep->kind == EP_UDP_HOST)
    host_readable (ep->owner);
  else if (!((struct udp_flow *) ep->owner)->dead)
    flow_readable (ep->owner);
}

int
udp_timeout_ms (void)
{
  uint64_t now, due;
  if (oldest == NULL)
    return -1;
  now = now_ms ();
  due = oldest->last + UDP_IDLE_MS;
  return due <= now ? 0 : (int) (due - now);
}

void
udp_after_batch (void)
{
  uint64_t now = now_ms ();
  while (oldest && oldest->last + UDP_IDLE_MS <= now)
    flow_close (oldest);
  while (dead_flows)
    {
      struct udp_flow *d = dead_flows;
      dead_flows = d->next_dead;
      free (d);
    }
}

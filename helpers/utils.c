#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "utils.h"

void
cleanup_freep (void *p)
{
  free (*(void **) p);
}

void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *r = strdup (s);
  if (r == NULL)
    abort ();
  return r;
}

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      p += n;
      len -= n;
    }
  return 0;
}

ssize_t
read_all (int fd, char **out)
{
  size_t cap = 4096, len = 0;
  char *buf = xmalloc (cap);
  for (;;)
    {
      ssize_t n;
      if (len + 1 >= cap)
        buf = xrealloc (buf, cap *= 2);
      n = read (fd, buf + len, cap - len - 1);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          free (buf);
          return -1;
        }
      if (n == 0)
        break;
      len += n;
    }
  buf[len] = '\0';
  *out = buf;
  return len;
}

int
run_capture (const char *prog, char *const argv[], char **errout)
{
  int p[2], status;
  pid_t pid;
  *errout = NULL;
  if (pipe2 (p, O_CLOEXEC) < 0)
    return -1;
  pid = fork ();
  if (pid < 0)
    {
      close (p[0]);
      close (p[1]);
      return -1;
    }
  if (pid == 0)
    {
      dup2 (p[1], 2);
      execv (prog, argv);
      dprintf (2, "exec `%s`: %s", prog, strerror (errno));
      _exit (127);
    }
  close (p[1]);
  if (read_all (p[0], errout) < 0)
    *errout = NULL;
  close (p[0]);
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return status;
}

/* Exactly LEN bytes, or -1 (EOF first: errno EPIPE). */
int
read_exact (int fd, void *buf, size_t len)
{
  char *p = buf;
  while (len > 0)
    {
      ssize_t n = read (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = EPIPE;
          return -1;
        }
      p += n;
      len -= n;
    }
  return 0;
}

char *
find_program (const char *prog)
{
  const char *path = getenv ("PATH");
  char *copy, *dir, *save = NULL, *full = NULL;
  if (path != NULL)
    {
      copy = xstrdup (path);
      for (dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
        {
          if (asprintf (&full, "%s/%s", dir, prog) < 0)
            abort ();
          if (access (full, X_OK) == 0)
            {
              free (copy);
              return full;
            }
          free (full);
          full = NULL;
        }
      free (copy);
    }
  if (asprintf (&full, "/usr/bin/%s", prog) < 0)
    abort ();
  if (access (full, X_OK) == 0)
    return full;
  free (full);
  return NULL;
}

/* The message shape both ends of fd passing use: one payload byte, room for one fd. */
union fd_cmsg
{
  char buf[CMSG_SPACE (sizeof (int))];
  struct cmsghdr align;
};

static void
fd_msg_init (struct msghdr *msg, struct iovec *iov, char *byte, union fd_cmsg *u)
{
  memset (msg, 0, sizeof *msg);
  memset (u, 0, sizeof *u);
  iov->iov_base = byte;
  iov->iov_len = 1;
  msg->msg_iov = iov;
  msg->msg_iovlen = 1;
  msg->msg_control = u->buf;
  msg->msg_controllen = sizeof u->buf;
}

int
fd_send (int sock, int fd)
{
  struct msghdr msg;
  struct iovec iov;
  char byte = 'm';
  union fd_cmsg u;
  struct cmsghdr *cm;
  fd_msg_init (&msg, &iov, &byte, &u);
  cm = CMSG_FIRSTHDR (&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cm), &fd, sizeof (int));
  return sendmsg (sock, &msg, 0) < 0 ? -1 : 0;
}

int
fd_receive (int sock)
{
  struct msghdr msg;
  struct iovec iov;
  char byte;
  union fd_cmsg u;
  struct cmsghdr *cm;
  ssize_t n;
  int fd;
  fd_msg_init (&msg, &iov, &byte, &u);
  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    {
      if (n == 0)
        errno = 0;
      return -1;
    }
  cm = CMSG_FIRSTHDR (&msg);
  if (cm == NULL || cm->cmsg_type != SCM_RIGHTS)
    {
      errno = EBADMSG;
      return -1;
    }
  memcpy (&fd, CMSG_DATA (cm), sizeof (int));
  return fd;
}

/* The relay of a foreground run's output (see logrelay.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ctrlog.h"
#include "logrelay.h"
#include "userns.h"
#include "utils.h"

struct relay
{
  int from, to;
  struct ctrlog_lines lines;
};

/* Copies what is there; 0 once the pipe ended. A reader of ours gone (EPIPE: `tspod run
   ... | head -1`) closes the pipe too, so the container's next write fails as it would
   have without the relay (logging that stream ends there). */
static int
relay_read (struct relay *r)
{
  char buf[65536];
  ssize_t n;
  do
    n = read (r->from, buf, sizeof buf);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN)
    return 1;
  if (n > 0 && write_all (r->to, buf, (size_t) n) == 0)
    {
      ctrlog_lines_feed (&r->lines, buf, (size_t) n);
      return 1;
    }
  if (n > 0)
    ctrlog_lines_feed (&r->lines, buf, (size_t) n);
  ctrlog_lines_flush (&r->lines, 1);
  close (r->from);
  r->from = -1;
  return 0;
}

int
logrelay_attend (pid_t child, int out_fd, int err_fd)
{
  struct relay rs[2] = { { out_fd, 1, { "stdout", { 0 }, 0 } }, { err_fd, 2, { "stderr", { 0 }, 0 } } };
  int pidfd, exited = 0, i;

  signal (SIGPIPE, SIG_IGN);
  forward_signals_to (child);
  /* The container's end: a process it left behind (outside a pid namespace) may keep
     the pipes open, so its exit, not their EOF, ends the relay. */
  pidfd = (int) syscall (SYS_pidfd_open, child, 0);
  while (rs[0].from >= 0 || rs[1].from >= 0)
    {
      struct pollfd fds[3];
      int n = 0, map[3];
      for (i = 0; i < 2; i++)
        if (rs[i].from >= 0)
          {
            fds[n].fd = rs[i].from;
            fds[n].events = POLLIN;
            map[n++] = i;
          }
      if (pidfd >= 0 && !exited)
        {
          fds[n].fd = pidfd;
          fds[n].events = POLLIN;
          map[n++] = -1;
        }
      if (poll (fds, n, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      for (i = 0; i < n; i++)
        if (fds[i].revents && map[i] >= 0)
          relay_read (&rs[map[i]]);
        else if (fds[i].revents)
          exited = 1;
      if (exited)
        {
          /* Drain without blocking, then stop. */
          for (i = 0; i < 2; i++)
            if (rs[i].from >= 0)
              {
                fcntl (rs[i].from, F_SETFL, O_NONBLOCK);
                while (rs[i].from >= 0 && relay_read (&rs[i]))
                  {
                    struct pollfd one = { rs[i].from, POLLIN, 0 };
                    if (poll (&one, 1, 0) <= 0)
                      break;
                  }
              }
          break;
        }
    }
  for (i = 0; i < 2; i++)
    if (rs[i].from >= 0)
      {
        ctrlog_lines_flush (&rs[i].lines, 1);
        close (rs[i].from);
      }
  if (pidfd >= 0)
    close (pidfd);
  ctrlog_close ();
  return wait_exit_code (child);
}

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>
#include "ctrlog.h"
#include "pty.h"
#include "userns.h"
#include "utils.h"

int
pty_setup_child (int sock, helper_error_t *err)
{
  cleanup_close int master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  char name[64];
  int slave, unlock = 0;

  if (master < 0)
    return helper_make_error (err, errno, "terminal", "open `/dev/ptmx`");
  if (ioctl (master, TIOCSPTLCK, &unlock) < 0)
    return helper_make_error (err, errno, "terminal", "unlock pty");
  if (ptsname_r (master, name, sizeof name) != 0)
    return helper_make_error (err, errno, "terminal", "ptsname");
  if (setsid () < 0)
    return helper_make_error (err, errno, "terminal", "setsid");
  slave = open (name, O_RDWR | O_NOCTTY);
  if (slave < 0)
    return helper_make_error (err, errno, "terminal", "open `%s`", name);
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return helper_make_error (err, errno, "terminal", "set controlling terminal `%s`", name);
  /* The size of the terminal we were started from (run -it, exec -it: the user's), set
     before the command runs. The parent's relay sets it as well, but only once it has the
     master, and a first command (stty size, a full-screen program) would see 0x0 until then. */
  {
    struct winsize ws;
    if (ioctl (0, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
      (void) ioctl (slave, TIOCSWINSZ, &ws);
  }
  if (fd_send (sock, master) < 0)
    return helper_make_error (err, errno, "terminal", "send pty master");
  if (dup2 (slave, 0) < 0 || dup2 (slave, 1) < 0 || dup2 (slave, 2) < 0)
    return helper_make_error (err, errno, "terminal", "dup2 pty slave");
  if (slave > 2)
    close (slave);
  return 0;
}

int
pty_receive_master (int sock, helper_error_t *err)
{
  int fd = fd_receive (sock);
  if (fd >= 0)
    return fd;
  if (errno == 0)
    return -1; /* the peer closed first: its own error says why */
  if (errno == EBADMSG)
    return helper_make_error (err, 0, "terminal", "receive pty master: no fd in the message");
  return helper_make_error (err, errno, "terminal", "receive pty master");
}

static volatile sig_atomic_t winch = 1;
/* A terminal's output is one stream; podman logs it as stdout. */
static struct ctrlog_lines logged = { "stdout", { 0 }, 0 };
static struct termios saved_tio;
static int restore_tio;

static void
on_winch (int sig)
{
  (void) sig;
  winch = 1;
}

static void
restore_terminal (void)
{
  if (restore_tio)
    tcsetattr (0, TCSANOW, &saved_tio);
}

void
pty_relay (int master, pid_t child)
{
  struct sigaction sa;
  struct pollfd fds[2];
  char buf[8192];
  int stdin_open = 1, is_tty = isatty (0);
  (void) child;

  if (is_tty && tcgetattr (0, &saved_tio) == 0)
    {
      struct termios raw = saved_tio;
      cfmakeraw (&raw);
      if (tcsetattr (0, TCSANOW, &raw) == 0)
        {
          restore_tio = 1;
          atexit (restore_terminal);
        }
    }
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_winch;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGWINCH, &sa, NULL);  /* no SA_RESTART: poll wakes up */

  for (;;)
    {
      int nfds = 0, r;
      if (winch)
        {
          struct winsize ws;
          winch = 0;
          if (ioctl (0, TIOCGWINSZ, &ws) == 0 || ioctl (1, TIOCGWINSZ, &ws) == 0)
            ioctl (master, TIOCSWINSZ, &ws);
        }
      fds[nfds].fd = master;
      fds[nfds++].events = POLLIN;
      if (stdin_open)
        {
          fds[nfds].fd = 0;
          fds[nfds++].events = POLLIN;
        }
      r = poll (fds, nfds, -1);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          ssize_t n = read (master, buf, sizeof buf);
          if (n <= 0)
            {
              if (n < 0 && errno == EINTR)
                continue;
              break; /* EIO: every slave fd closed, the container is gone */
            }
          /* In the log (a foreground run's, if `log` opened one) whether or not stdout takes it. */
          ctrlog_lines_feed (&logged, buf, (size_t) n);
          if (write_all (1, buf, n) < 0)
            break;
        }
      if (nfds > 1 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
        {
          ssize_t n = read (0, buf, sizeof buf);
          if (n <= 0)
            {
              if (n < 0 && errno == EINTR)
                continue;
              stdin_open = 0;
              continue;
            }
          if (write_all (master, buf, n) < 0)
            break;
        }
    }
  ctrlog_lines_flush (&logged, 1);
  restore_terminal ();
  restore_tio = 0;
}

int
pty_attend (pid_t child, int terminal, int term_sock)
{
  forward_signals_to (child);
  if (terminal)
    {
      helper_error_t err = NULL;
      int master = pty_receive_master (term_sock, &err);
      close (term_sock);
      if (master >= 0)
        {
          pty_relay (master, child);
          close (master);
        }
      helper_error_release (&err);
    }
  return wait_exit_code (child);
}

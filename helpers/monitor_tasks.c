/* The monitor's own commands (monitor_tasks.h). A health check runs in its own process
   group (killed whole if it outlives the container); the next one is due an interval
   after it ends (podman's systemd timer is on-unit-inactive), so two never overlap. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "monitor_tasks.h"

static char **health_cmd;
static unsigned long long health_interval;
static pid_t health_pid = -1;    /* the check running, if any */
static long long health_next_ms = -1; /* when the next check is due; -1: not scheduled */

long long
now_ms (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (long long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void
close_range_from (int from)
{
  syscall (SYS_close_range, from, ~0U, 0);
}

void
place_fd (int fd, int target)
{
  dup2 (fd, target);
  fcntl (target, F_SETFD, 0);
}

pid_t
spawn_quiet (char **argv, int own_group)
{
  pid_t p = fork ();
  if (p == 0)
    {
      int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      signal (SIGPIPE, SIG_DFL);
      if (own_group)
        setpgid (0, 0);
      place_fd (devnull, 0);
      place_fd (devnull, 1);
      place_fd (devnull, 2);
      close_range_from (3);
      execv (argv[0], argv);
      _exit (127);
    }
  return p;
}

void
health_configure (char **argv, unsigned long long interval_ms)
{
  health_cmd = argv;
  health_interval = interval_ms;
}

void
health_start (void)
{
  if (health_cmd != NULL && health_pid <= 0)
    health_next_ms = now_ms () + (long long) health_interval;
}

int
health_wait_ms (void)
{
  long long left;
  if (health_cmd == NULL || health_pid > 0 || health_next_ms < 0)
    return -1;
  left = health_next_ms - now_ms ();
  return left < 0 ? 0 : left > 3600000 ? 3600000 : (int) left;
}

void
health_run_if_due (void)
{
  pid_t p;
  if (health_wait_ms () != 0)
    return;
  p = spawn_quiet (health_cmd, 1);
  health_pid = p > 0 ? p : -1;
  health_next_ms = p > 0 ? -1 : now_ms () + (long long) health_interval;
}

int
health_reaped (pid_t pid)
{
  if (pid != health_pid || pid <= 0)
    return 0;
  health_pid = -1;
  health_next_ms = now_ms () + (long long) health_interval;
  return 1;
}

void
health_finish (void)
{
  long long deadline = now_ms () + 5000;
  struct timespec tick = { 0, 50000000 };
  if (health_pid <= 0)
    return;
  while (waitpid (health_pid, NULL, WNOHANG) == 0)
    {
      if (now_ms () >= deadline)
        {
          kill (-health_pid, SIGKILL);
          while (waitpid (health_pid, NULL, 0) < 0 && errno == EINTR)
            ;
          break;
        }
      nanosleep (&tick, NULL);
    }
  health_pid = -1;
}

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exec.h"
#include "plan.h"

extern char **environ;

/* Closes fds [from, to] (to may be ~0U); nothing when the range is empty. */
static int
close_between (unsigned int from, unsigned int to)
{
  return from > to ? 0 : (int) syscall (SYS_close_range, from, to, 0);
}

int
close_fds_except (int keep, int keep2, helper_error_t *err)
{
  return close_fds_from_except (3, keep, keep2, err);
}

int
close_fds_from_except (int first, int keep, int keep2, helper_error_t *err)
{
  int lo = keep < keep2 ? keep : keep2, hi = keep < keep2 ? keep2 : keep;
  unsigned int next = (unsigned int) first;

  /* What is left open is close-on-exec: the command gets neither. */
  for (int i = 0; i < 2; i++)
    {
      int fd = i == 0 ? lo : hi;
      if (fd < first || (i == 1 && fd == lo))
        continue;
      if (close_between (next, (unsigned int) fd - 1) < 0)
        return helper_make_error (err, errno, "exec", "close fds");
      if (fcntl (fd, F_SETFD, FD_CLOEXEC) < 0)
        return helper_make_error (err, errno, "exec", "set close-on-exec on fd %d", fd);
      next = (unsigned int) fd + 1;
    }
  if (close_between (next, ~0U) < 0)
    return helper_make_error (err, errno, "exec", "close fds");
  return 0;
}

int
exec_command (char **argv, char **envp, int *exit_code, helper_error_t *err)
{
  int e;
  if (argv == NULL || argv[0] == NULL)
    {
      *exit_code = 127;
      return helper_make_error (err, 0, "exec", "no command given (the plan has no `args`)");
    }
  /* execvp searches the PATH of the current environment: make it the container's. */
  environ = envp;
  execvp (argv[0], argv);
  e = errno;
  *exit_code = e == ENOENT || e == ENOTDIR ? 127 : 126;
  return helper_make_error (err, e, "exec", "exec `%s`", argv[0]);
}

/* An fd of ours in [3, 3 + n) moves above: a passed one will take its place. */
static int
move_above (int *fd, int n, helper_error_t *err)
{
  int moved;
  if (fd == NULL || *fd < 3 || *fd >= 3 + n)
    return 0;
  moved = fcntl (*fd, F_DUPFD_CLOEXEC, 3 + n);
  if (moved < 0)
    return helper_make_error (err, errno, "exec", "move fd %d out of the way of the passed ones", *fd);
  *fd = moved;
  return 0;
}

int
preserve_fds (int base, int n, int *keep, int *keep2, helper_error_t *err)
{
  int i;
  if (n <= 0)
    return 0;
  /* Ours stay, above the passed ones, still close-on-exec. */
  if (move_above (keep, n, err) < 0 || move_above (keep2, n, err) < 0)
    return -1;
  /* Ascending: target 3+i is below every source still to come (base+j, j > i, base >= 3). */
  for (i = 0; i < n; i++)
    {
      if (base + i == 3 + i ? fcntl (3 + i, F_SETFD, 0) < 0 : dup2 (base + i, 3 + i) < 0)
        return helper_make_error (err, errno, "exec", "pass file descriptor %d (--preserve-fds)", 3 + i);
    }
  return close_fds_from_except (3 + n, keep ? *keep : -1, keep2 ? *keep2 : -1, err);
}

void
close_passed_fds (const struct plan *p)
{
  const struct directive *d = plan_find (p, "preserve-fds");
  unsigned long long base, n;
  if (d && d->argc == 2 && parse_u64 (d->argv[0], &base) == 0 && parse_u64 (d->argv[1], &n) == 0 && base >= 3 && n > 0 && n <= 1000)
    close_between ((unsigned int) base, (unsigned int) (base + n - 1));
}

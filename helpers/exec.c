#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "exec.h"

extern char **environ;

int
close_fds_except (int keep, helper_error_t *err)
{
  if (keep >= 3)
    {
      if (keep > 3 && syscall (SYS_close_range, 3, keep - 1, 0) < 0)
        return helper_make_error (err, errno, "exec", "close fds");
      if (syscall (SYS_close_range, keep + 1, ~0U, 0) < 0)
        return helper_make_error (err, errno, "exec", "close fds");
      if (fcntl (keep, F_SETFD, FD_CLOEXEC) < 0)
        return helper_make_error (err, errno, "exec", "set close-on-exec on the status fd");
      return 0;
    }
  if (syscall (SYS_close_range, 3, ~0U, 0) < 0)
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

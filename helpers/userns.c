#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "idmap.h"
#include "userns.h"
#include "utils.h"

pid_t
helper_clone (unsigned long flags)
{
  struct clone_args args;
  memset (&args, 0, sizeof args);
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  return (pid_t) syscall (SYS_clone3, &args, sizeof args);
}

static volatile pid_t forward_pid = -1;

static void
forward_handler (int sig)
{
  if (forward_pid > 0)
    kill (forward_pid, sig);
}

void
forward_signals_to (pid_t pid)
{
  static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
  struct sigaction sa;
  size_t i;
  forward_pid = pid;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = forward_handler;
  sa.sa_flags = SA_RESTART;
  sigemptyset (&sa.sa_mask);
  for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaction (sigs[i], &sa, NULL);
}

int
wait_exit_code (pid_t pid)
{
  int status;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return 125;
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 125;
}

int
become_root (helper_error_t *err)
{
  if (setresgid (0, 0, 0) < 0)
    return helper_make_error (err, errno, "userns", "setresgid `0`");
  if (setresuid (0, 0, 0) < 0)
    return helper_make_error (err, errno, "userns", "setresuid `0`");
  return 0;
}

/* tspod-helper userns [--] CMD [ARGS...] */
int
helper_userns_main (int argc, char **argv)
{
  helper_error_t err = NULL;
  struct idmaps maps;
  int sync[2];
  pid_t pid;
  char ok = '0';

  if (argc > 0 && strcmp (argv[0], "--") == 0)
    {
      argc--;
      argv++;
    }
  if (argc < 1)
    {
      dprintf (2, "tspod-helper: usage: tspod-helper userns [--] CMD [ARGS...]\n");
      return 125;
    }
  if (idmaps_default (&maps, &err) < 0)
    goto fail;
  if (pipe2 (sync, O_CLOEXEC) < 0)
    {
      helper_make_error (&err, errno, "userns", "create pipe");
      goto fail;
    }
  pid = helper_clone (CLONE_NEWUSER | CLONE_NEWNS);
  if (pid < 0)
    {
      helper_make_error (&err, errno, "userns", "clone `CLONE_NEWUSER|CLONE_NEWNS`");
      goto fail;
    }
  if (pid == 0)
    {
      char c;
      ssize_t n;
      close (sync[1]);
      do
        n = read (sync[0], &c, 1);
      while (n < 0 && errno == EINTR);
      if (n != 1 || c != '0')
        _exit (125); /* the parent failed and said so */
      close (sync[0]);
      if (become_root (&err) < 0)
        {
          helper_error_report (err, -1, 1);
          _exit (125);
        }
      if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        {
          helper_make_error (&err, errno, "userns", "make `/` rprivate");
          helper_error_report (err, -1, 1);
          _exit (125);
        }
      execvp (argv[0], argv);
      {
        int e = errno;
        helper_make_error (&err, e, "exec", "exec `%s`", argv[0]);
        helper_error_report (err, -1, 1);
        _exit (e == ENOENT ? 127 : 126);
      }
    }
  close (sync[0]);
  forward_signals_to (pid);
  if (idmaps_apply (pid, &maps, &err) < 0)
    {
      close (sync[1]);
      wait_exit_code (pid);
      goto fail;
    }
  if (write_all (sync[1], &ok, 1) < 0)
    {
      helper_make_error (&err, errno, "userns", "release child");
      goto fail;
    }
  close (sync[1]);
  return wait_exit_code (pid);

fail:
  helper_error_report (err, -1, 1);
  return 125;
}

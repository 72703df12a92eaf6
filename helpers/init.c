/* `init`: a tiny PID 1 (for `run --init`): forks CMD, forwards signals to it, reaps
   every child, exits with CMD's status. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "init.h"

static volatile pid_t cmd_pid = -1;

static void
forward (int sig)
{
  if (cmd_pid > 0)
    kill (cmd_pid, sig);
}

int
helper_init_main (int argc, char **argv)
{
  static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM, SIGCONT };
  struct sigaction sa;
  sigset_t all, old;
  size_t i;
  pid_t pid;

  if (argc > 0 && strcmp (argv[0], "--") == 0)
    {
      argc--;
      argv++;
    }
  if (argc < 1)
    {
      dprintf (2, "tspod-helper: usage: tspod-helper init [--] CMD [ARGS...]\n");
      return 125;
    }
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  /* Block signals until the handlers and cmd_pid are in place. */
  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, &old);
  pid = fork ();
  if (pid < 0)
    {
      dprintf (2, "tspod-helper: fork: %s\n", strerror (errno));
      return 125;
    }
  if (pid == 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      execvp (argv[0], argv);
      dprintf (2, "tspod-helper: exec `%s`: %s\n", argv[0], strerror (errno));
      _exit (errno == ENOENT ? 127 : 126);
    }
  cmd_pid = pid;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sigemptyset (&sa.sa_mask);
  for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaction (sigs[i], &sa, NULL);
  sigprocmask (SIG_SETMASK, &old, NULL);
  for (;;)
    {
      int status;
      pid_t w = waitpid (-1, &status, 0);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return 125;
        }
      if (w == pid)
        {
          if (WIFEXITED (status))
            return WEXITSTATUS (status);
          if (WIFSIGNALED (status))
            return 128 + WTERMSIG (status);
        }
    }
}

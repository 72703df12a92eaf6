/* `pause`: the process of a pod's infra container. It only holds the pod's shared
   namespaces open: it waits for SIGTERM, SIGINT or SIGHUP and exits 0, and reaps
   whatever is re-parented to it (it is PID 1 when the pod shares its pid namespace). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include "pause.h"

int
helper_pause_main (int argc, char **argv)
{
  sigset_t set;
  int sig;

  (void) argv;
  if (argc > 0)
    {
      dprintf (2, "tspod-helper: usage: tspod-helper pause\n");
      return 125;
    }
  /* Synchronous signal handling: no handler can race the wait. PID 1 of a pid
     namespace gets only the signals it handles, and these are all waited for. */
  sigemptyset (&set);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGCHLD);
  sigprocmask (SIG_BLOCK, &set, NULL);
  for (;;)
    {
      if (sigwait (&set, &sig) != 0)
        return 125;
      if (sig != SIGCHLD)
        return 0;
      while (waitpid (-1, NULL, WNOHANG) > 0)
        ;
    }
}

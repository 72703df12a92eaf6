/* tspod-helper: mode dispatch. See README.md for the protocol. */
#include <stdio.h>
#include <string.h>
#include "copyup.h"
#include "exec_mode.h"
#include "fixups.h"
#include "init.h"
#include "monitor.h"
#include "pause.h"
#include "portfwd.h"
#include "run.h"
#include "userns.h"

static void
usage (void)
{
  dprintf (2, "usage: tspod-helper userns [--] CMD [ARGS...]\n"
              "       tspod-helper run PLANFILE|-\n"
              "       tspod-helper init [--] CMD [ARGS...]\n"
              "       tspod-helper pause\n"
              "       tspod-helper portfwd PID [ADDR/]HOSTPORT[-END]:CONTAINERPORT[-END]...\n"
              "       tspod-helper fixups\n"
              "       tspod-helper copy-up PLANFILE|-\n");
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      usage ();
      return 125;
    }
  if (strcmp (argv[1], "userns") == 0)
    return helper_userns_main (argc - 2, argv + 2);
  if (strcmp (argv[1], "run") == 0)
    return helper_run_main (argc - 2, argv + 2);
  if (strcmp (argv[1], "init") == 0)
    return helper_init_main (argc - 2, argv + 2);
  if (strcmp (argv[1], "pause") == 0)
    return helper_pause_main (argc - 2, argv + 2);
  if (strcmp (argv[1], "monitor") == 0)
    return helper_monitor_main (argc - 2, argv + 2);
  if (strcmp (argv[1], "exec") == 0)
    return helper_exec_main (argc - 2, argv + 2);
  if (strcmp (argv[1], "portfwd") == 0)
    return helper_portfwd_main (argc - 2, argv + 2);
  if (strcmp (argv[1], "fixups") == 0)
    return helper_fixups_main (argc - 2, argv + 2);
  if (strcmp (argv[1], "copy-up") == 0)
    return helper_copyup_main (argc - 2, argv + 2);
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("tspod-helper 1\n");
      return 0;
    }
  usage ();
  return 125;
}

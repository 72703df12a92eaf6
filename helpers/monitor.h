/* `monitor`: the conmon role for a detached container (see README.md, "monitor"). */
#ifndef HELPER_MONITOR_H
#define HELPER_MONITOR_H

int helper_monitor_main (int argc, char **argv);
/* Send FD over the unix socket SOCK (SCM_RIGHTS); -1 with errno on failure. Used by
   `run`'s `detach` directive to hand a pty master to the monitor. */

#endif

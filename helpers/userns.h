/* `userns` mode and the namespace plumbing shared with `run`. */
#ifndef HELPER_USERNS_H
#define HELPER_USERNS_H

#include <sys/types.h>
#include "error.h"

/* clone3 with FLAGS (CLONE_NEW*) behaving like fork: returns 0 in the child. */
pid_t helper_clone (unsigned long flags);
/* Forward the usual signals (INT TERM HUP QUIT USR1 USR2 WINCH) to PID. */
void forward_signals_to (pid_t pid);
/* Wait for PID; returns its exit code, or 128+signal. */
int wait_exit_code (pid_t pid);
/* Become root in the (freshly mapped) user namespace. */
int become_root (helper_error_t *err);

int helper_userns_main (int argc, char **argv);

#endif

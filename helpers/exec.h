/* Final exec: no fd leaks, errno mapped to podman's 126/127. */
#ifndef HELPER_EXEC_H
#define HELPER_EXEC_H

#include "error.h"

/* Close every fd >= 3 except KEEP and KEEP2 (either may be -1); those get CLOEXEC. */
int close_fds_except (int keep, int keep2, helper_error_t *err);
/* execvp ARGV with ENVP as the environment (PATH from ENVP). Only returns on failure,
   with *exit_code set to 127 (not found) or 126 (cannot invoke). */
int exec_command (char **argv, char **envp, int *exit_code, helper_error_t *err);

#endif

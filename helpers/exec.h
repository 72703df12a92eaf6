/* Final exec: no fd leaks, errno mapped to podman's 126/127. */
#ifndef HELPER_EXEC_H
#define HELPER_EXEC_H

#include "error.h"

struct plan;

/* Close every fd >= 3 except KEEP and KEEP2 (either may be -1); those get CLOEXEC. */
int close_fds_except (int keep, int keep2, helper_error_t *err);
/* The same from FIRST up. */
int close_fds_from_except (int first, int keep, int keep2, helper_error_t *err);
/* --preserve-fds: fds BASE..BASE+N-1 become the command's 3..N+2 (inherited), every other
   fd >= 3 is closed but *KEEP and *KEEP2 (either may be NULL), moved above them when in
   the way (still CLOEXEC). */
int preserve_fds (int base, int n, int *keep, int *keep2, helper_error_t *err);
/* The caller's own copies of the fds a `preserve-fds` directive passes, closed once the
   command's process has them. */
void close_passed_fds (const struct plan *p);
/* execvp ARGV with ENVP as the environment (PATH from ENVP). Only returns on failure,
   with *exit_code set to 127 (not found) or 126 (cannot invoke). */
int exec_command (char **argv, char **envp, int *exit_code, helper_error_t *err);

#endif

/* Network hooks for `run` (README.md, "Network directives"): what P does between
   writing C's id maps and releasing C, and namespaces P joins before cloning C. */
#ifndef HELPER_HOOKS_H
#define HELPER_HOOKS_H

#include <sys/types.h>
#include "error.h"
#include "plan.h"

/* `join-ns user|net|ipc|uts|pid PATH`: setns into existing namespaces (user first); clears the
   matching CLONE_NEW* bits in *ns_flags and sets *joined_user when a user namespace was joined. */
int hooks_join_namespaces (const struct plan *p, unsigned long *ns_flags, int *joined_user, helper_error_t *err);
/* `net-hook ARG...`: start each hook (`@PID@` replaced by PID), tied to P's life by
   PR_SET_PDEATHSIG, and wait until it writes a byte to its fd 3. */
int hooks_run_net_hooks (const struct plan *p, pid_t pid, helper_error_t *err);
/* SIGKILL to every hook this process started (also run at exit): the container is gone. */
void hooks_kill_all (void);
/* `sync-fds NOTIFY GO`: write "PID\n" to NOTIFY, wait for '0' on GO. */
int hooks_sync (const struct plan *p, pid_t pid, helper_error_t *err);
/* Whether KW is one of the directives above (C skips them). */
int hooks_is_parent_directive (const char *kw);

#endif

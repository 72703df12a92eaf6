/* A foreground run's output kept in the container's log (`log-pipes`, `log`): the
   container writes to two pipes, the helper's parent copies them to its own stdout and
   stderr and to the k8s-file log, as conmon does for podman. */
#ifndef HELPER_LOGRELAY_H
#define HELPER_LOGRELAY_H

#include <sys/types.h>

/* Forwards signals to CHILD, copies OUT_FD to fd 1 and ERR_FD to fd 2 (and each line to
   the log ctrlog_open opened, if any) until both end or CHILD exits (then what the pipes
   still hold), and returns CHILD's exit code. Closes OUT_FD and ERR_FD. */
int logrelay_attend (pid_t child, int out_fd, int err_fd);

#endif

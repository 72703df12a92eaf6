/* The monitor's own commands besides the container: the health check it runs every
   interval and the exit command after the final exit (monitor.c). */
#ifndef HELPER_MONITOR_TASKS_H
#define HELPER_MONITOR_TASKS_H

#include <sys/types.h>

/* CLOCK_MONOTONIC in milliseconds. */
long long now_ms (void);
/* dup2 FD to TARGET without close-on-exec. */
void place_fd (int fd, int target);
/* Closes every fd from FROM up. */
void close_range_from (int from);
/* Forks ARGV with the default signal mask and SIGPIPE, stdio on /dev/null and none of our
   fds; in its own process group when OWN_GROUP. Returns the pid (or -1). */
pid_t spawn_quiet (char **argv, int own_group);

/* Health checks: ARGV (NULL-terminated) every INTERVAL_MS; none when ARGV is NULL. */
void health_configure (char **argv, unsigned long long interval_ms);
/* A (re)start of the container: the first check is due one interval later. */
void health_start (void);
/* Poll timeout until the next check is due (-1: none is, or one runs). */
int health_wait_ms (void);
/* Runs the check when it is due. */
void health_run_if_due (void);
/* PID was reaped: 1 if it was the check (the next one is due an interval from now). */
int health_reaped (pid_t pid);
/* At the monitor's end: a check still running gets 5 s, then its group is killed. */
void health_finish (void);

#endif

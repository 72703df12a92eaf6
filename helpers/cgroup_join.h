#ifndef TSPOD_CGROUP_JOIN_H
#define TSPOD_CGROUP_JOIN_H

/* Moves this process into the cgroup v2 of process PID (best effort, silent). */
void cgroup_join_of (unsigned long long pid);

#endif

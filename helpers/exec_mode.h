/* `exec`: run a command inside a running container's namespaces (see README.md). */
#ifndef HELPER_EXEC_MODE_H
#define HELPER_EXEC_MODE_H

int helper_exec_main (int argc, char **argv);

#endif

/* `terminal`: the container side makes the pty and sends the master over a socket;
   the helper's parent relays its stdio to it. */
#ifndef HELPER_PTY_H
#define HELPER_PTY_H

#include <sys/types.h>
#include "error.h"

/* Container side (after pivot): open /dev/ptmx, send the master over SOCK, make the
   slave the controlling terminal and stdin/stdout/stderr. */
int pty_setup_child (int sock, helper_error_t *err);
/* Parent side: receive the master from SOCK (or -1 if the child failed first). */
int pty_receive_master (int sock, helper_error_t *err);
/* The foreground end of run and exec: forwards signals to CHILD, relays the terminal its
   side sends on TERM_SOCK when TERMINAL, and returns CHILD's exit code (closes TERM_SOCK). */
int pty_attend (pid_t child, int terminal, int term_sock);
/* Relay stdin -> master and master -> stdout until the container's side closes;
   raw mode on a tty stdin (restored), window size on start and SIGWINCH. */
void pty_relay (int master, pid_t child);

#endif

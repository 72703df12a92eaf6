/* `portfwd`: the TCP forwarder for published ports, a `net-hook` of `run` (README.md). */
#ifndef HELPER_PORTFWD_H
#define HELPER_PORTFWD_H

int helper_portfwd_main (int argc, char **argv);

#endif

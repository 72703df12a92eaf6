/* `portfwd`: the TCP and UDP forwarder for published ports, a `net-hook` of `run`
   (README.md). */
#ifndef HELPER_PORTFWD_H
#define HELPER_PORTFWD_H

#include <stdint.h>

/* What an epoll event's data.ptr points at: the first member of every watched object,
   so one loop dispatches TCP (portfwd.c) and UDP (portfwd_udp.c) events. */
enum { EP_LISTENER, EP_CONN, EP_UDP_HOST, EP_UDP_FLOW };

struct endpoint
{
  int kind;
  int side;    /* EP_CONN: 0 = the client (host side), 1 = the container side */
  void *owner; /* struct listener, struct conn, struct udp_host or struct udp_flow */
};

/* Sets EP up as KIND of OWNER and adds FD to EPFD with EVENTS, EP as its data; epoll_ctl's result. */
int endpoint_watch (int epfd, int fd, struct endpoint *ep, int kind, void *owner, uint32_t events);

int helper_portfwd_main (int argc, char **argv);

#endif

/* The UDP half of `portfwd` (portfwd_udp.c): host sockets, per-client flows into the
   container's network namespace, idle expiry. Single-threaded, driven by portfwd.c's
   epoll loop. */
#ifndef HELPER_PORTFWD_UDP_H
#define HELPER_PORTFWD_UDP_H

#include <stdint.h>
#include "portfwd.h"

/* Watches FD, a UDP socket bound in the host's namespace, whose datagrams go to
   CONTAINER_PORT. -1 with errno when epoll refuses it. */
int udp_add_host (int epfd, int fd, int container_port);

/* An epoll event on an EP_UDP_HOST or EP_UDP_FLOW endpoint. */
void udp_event (struct endpoint *ep, uint32_t events);

/* Milliseconds until the oldest flow goes idle (the epoll_wait timeout); -1: no flows. */
int udp_timeout_ms (void);

/* After each epoll batch: closes idle flows, frees the ones closed during the batch. */
void udp_after_batch (void);

#endif

/* Small fd/memory helpers and crun-style cleanup attributes. */
#ifndef HELPER_UTILS_H
#define HELPER_UTILS_H

#include <stddef.h>
#include <sys/types.h>

void cleanup_freep (void *p);
void cleanup_closep (int *fd);
#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))

#define UNLIKELY(x) __builtin_expect (!!(x), 0)

void *xmalloc (size_t n);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);

int write_all (int fd, const void *buf, size_t len);
int read_exact (int fd, void *buf, size_t len);
/* Read the whole fd into a malloc'd buffer (NUL-terminated); -1 on error. */
ssize_t read_all (int fd, char **out);
/* Run PROG ARGV, capturing its stderr into *errout (malloc'd); returns its wait status or -1. */
int run_capture (const char *prog, char *const argv[], char **errout);
/* Find PROG on PATH, falling back to /usr/bin/PROG; returns malloc'd path or NULL. */
char *find_program (const char *prog);
/* Pass FD over the unix socket SOCK (SCM_RIGHTS, one byte of payload); -1 with errno on failure. */
int fd_send (int sock, int fd);
/* Receive one fd sent by fd_send (close-on-exec). -1 with errno on failure: 0 when the peer
   closed without sending, EBADMSG for a message without an fd. */
int fd_receive (int sock);

#endif

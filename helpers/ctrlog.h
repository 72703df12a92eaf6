/* The container log the monitor writes: podman's k8s-file format, rotated at a size. */
#ifndef HELPER_CTRLOG_H
#define HELPER_CTRLOG_H

#include <stddef.h>

/* Opens (appends to) PATH; MAX > 0 rotates it to PATH.1 before it would grow past MAX
   bytes. A NULL path or an open failure makes every record a no-op. */
void ctrlog_open (const char *path, unsigned long long max);
/* One record: "<RFC3339Nano time> <stream> <F|P> <text>\n" (P: a partial line). */
void ctrlog_record (const char *stream, int partial, const char *data, size_t len);
void ctrlog_close (void);
/* Local time as podman writes it: 2006-01-02T15:04:05.000000000+07:00. */
void ctrlog_timestamp (char *out, size_t n);

#endif

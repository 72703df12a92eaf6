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

/* A longer line is logged in parts (P records), as conmon does. */
#define CTRLOG_LINE_MAX 16384

/* One stream's bytes not yet logged: up to the end of the last line seen. */
struct ctrlog_lines
{
  const char *name; /* "stdout" or "stderr" */
  char buf[CTRLOG_LINE_MAX];
  size_t len;
};

/* Logs every complete line in L (a full buffer or FINAL logs the rest as a P record)
   and keeps the remainder. Callers append to L->buf + L->len first. */
void ctrlog_lines_flush (struct ctrlog_lines *l, int final);
/* Appends DATA (any length) to L, logging lines as they complete. */
void ctrlog_lines_feed (struct ctrlog_lines *l, const char *data, size_t len);
/* Local time as podman writes it: 2006-01-02T15:04:05.000000000+07:00. */
void ctrlog_timestamp (char *out, size_t n);

#endif

/* k8s-file container log (see ctrlog.h): what `tspod logs` reads. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "ctrlog.h"

static const char *log_path;
static unsigned long long log_max;
static int log_fd = -1;
static unsigned long long log_size;

void
ctrlog_timestamp (char *out, size_t n)
{
  struct timespec ts;
  struct tm tm;
  int off;
  char base[40];
  clock_gettime (CLOCK_REALTIME, &ts);
  localtime_r (&ts.tv_sec, &tm);
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  off = (int) (tm.tm_gmtoff / 60) % (24 * 60);
  snprintf (out, n, "%.20s.%09d%c%02d:%02d", base, (int) (ts.tv_nsec % 1000000000), off < 0 ? '-' : '+', abs (off) / 60 % 100, abs (off) % 60);
}

void
ctrlog_open (const char *path, unsigned long long max)
{
  struct stat st;
  log_path = path;
  log_max = max;
  if (path == NULL)
    return;
  log_fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  log_size = log_fd >= 0 && fstat (log_fd, &st) == 0 ? (unsigned long long) st.st_size : 0;
}

void
ctrlog_record (const char *stream, int partial, const char *data, size_t len)
{
  char ts[64], head[96];
  struct iovec iov[3];
  int hl;
  if (log_fd < 0)
    return;
  ctrlog_timestamp (ts, sizeof ts);
  hl = snprintf (head, sizeof head, "%s %s %c ", ts, stream, partial ? 'P' : 'F');
  if (log_max > 0 && log_size > 0 && log_size + hl + len + 1 > log_max)
    {
      char old[4096];
      snprintf (old, sizeof old, "%s.1", log_path);
      rename (log_path, old);
      close (log_fd);
      ctrlog_open (log_path, log_max);
      if (log_fd < 0)
        return;
    }
  iov[0].iov_base = head;
  iov[0].iov_len = hl;
  iov[1].iov_base = (void *) data;
  iov[1].iov_len = len;
  iov[2].iov_base = "\n";
  iov[2].iov_len = 1;
  if (writev (log_fd, iov, 3) > 0)
    log_size += hl + len + 1;
}

void
ctrlog_close (void)
{
  if (log_fd >= 0)
    close (log_fd);
  log_fd = -1;
}

void
ctrlog_lines_flush (struct ctrlog_lines *l, int final)
{
  char *start = l->buf, *nl;
  size_t left = l->len;
  while ((nl = memchr (start, '\n', left)))
    {
      ctrlog_record (l->name, 0, start, nl - start);
      left -= nl - start + 1;
      start = nl + 1;
    }
  if (left && (final || left == sizeof l->buf))
    {
      ctrlog_record (l->name, 1, start, left);
      left = 0;
    }
  memmove (l->buf, start, left);
  l->len = left;
}

void
ctrlog_lines_feed (struct ctrlog_lines *l, const char *data, size_t len)
{
  if (log_fd < 0)
    return;
  while (len > 0)
    {
      size_t n = sizeof l->buf - l->len < len ? sizeof l->buf - l->len : len;
      memcpy (l->buf + l->len, data, n);
      l->len += n;
      data += n;
      len -= n;
      ctrlog_lines_flush (l, 0);
    }
}

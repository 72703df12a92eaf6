#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "error.h"
#include "utils.h"

int
helper_make_error (helper_error_t *err, int status, const char *stage, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;
  helper_error_t e = calloc (1, sizeof (*e));
  if (e == NULL)
    abort ();
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  e->status = status;
  e->msg = msg;
  e->stage = stage;
  if (*err)
    helper_error_release (err);
  *err = e;
  return -(status ? status : 1);
}

const char *
errno_name (int e)
{
  switch (e)
    {
#define N(x) case x: return #x;
      N (EPERM) N (ENOENT) N (ESRCH) N (EINTR) N (EIO) N (ENXIO) N (E2BIG) N (ENOEXEC)
      N (EBADF) N (ECHILD) N (EAGAIN) N (ENOMEM) N (EACCES) N (EFAULT) N (EBUSY)
      N (EEXIST) N (EXDEV) N (ENODEV) N (ENOTDIR) N (EISDIR) N (EINVAL) N (ENFILE)
      N (EMFILE) N (ENOTTY) N (ETXTBSY) N (EFBIG) N (ENOSPC) N (ESPIPE) N (EROFS)
      N (EMLINK) N (EPIPE) N (ERANGE) N (ENAMETOOLONG) N (ENOSYS) N (ENOTEMPTY)
      N (ELOOP) N (EOVERFLOW) N (EOPNOTSUPP) N (EUSERS)
#undef N
    default:
      return "EUNKNOWN";
    }
}

static void
json_string (FILE *f, const char *s)
{
  fputc ('"', f);
  for (; *s; s++)
    {
      unsigned char c = (unsigned char) *s;
      if (c == '"' || c == '\\')
        fprintf (f, "\\%c", c);
      else if (c == '\n')
        fputs ("\\n", f);
      else if (c < 0x20)
        fprintf (f, "\\u%04x", c);
      else
        fputc (c, f);
    }
  fputc ('"', f);
}

void
helper_error_report (helper_error_t err, int fd, int to_stderr)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f;
  if (err == NULL)
    return;
  if (fd >= 0)
    {
      f = open_memstream (&buf, &len);
      if (f == NULL)
        return;
      fputs ("{\"error\":", f);
      if (err->status)
        {
          char *full = NULL;
          if (asprintf (&full, "%s: %s", err->msg, errno_name (err->status)) < 0)
            abort ();
          json_string (f, full);
          free (full);
          fputs (",\"errno\":", f);
          json_string (f, errno_name (err->status));
        }
      else
        json_string (f, err->msg);
      fputs (",\"stage\":", f);
      json_string (f, err->stage ? err->stage : "setup");
      fputs ("}\n", f);
      fclose (f);
      write_all (fd, buf, len);
      free (buf);
    }
  if (to_stderr)
    {
      if (err->status)
        dprintf (2, "tspod-helper: %s: %s\n", err->msg, errno_name (err->status));
      else
        dprintf (2, "tspod-helper: %s\n", err->msg);
    }
}

void
helper_error_release (helper_error_t *err)
{
  if (*err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}

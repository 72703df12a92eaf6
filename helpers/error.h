/* crun-style errors: `int f (..., helper_error_t *err)` returns negative on failure
   and fills *err with {errno, message, stage}; 0 on success leaves *err alone. */
#ifndef HELPER_ERROR_H
#define HELPER_ERROR_H

typedef struct helper_error_s
{
  int status;          /* errno, 0 when not an OS error */
  char *msg;           /* "mount `overlay` on `/x`" (no errno text) */
  const char *stage;   /* "userns", "mount", "exec", ... */
} *helper_error_t;

int helper_make_error (helper_error_t *err, int status, const char *stage, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));
const char *errno_name (int e);
/* Write one JSON line {"error":..,"errno":..,"stage":..} to fd (if >= 0), and a
   human line "tspod-helper: msg: ENAME" to stderr when to_stderr. */
void helper_error_report (helper_error_t err, int fd, int to_stderr);
void helper_error_release (helper_error_t *err);

#endif

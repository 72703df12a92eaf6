/* Failures told to the user by the helper itself, in the words TypeScript chose: for a
   helper that tspod replaced with execve (`exec`), where no one reads a status fd.

   `on-error STAGE ERRNO CODE TEXT` directives, first match wins; each of STAGE (the
   error's stage), ERRNO (its errno name; no OS error matches only `*`) and CODE (the
   exit code the helper is about to return) may be `*`. TEXT is written as is, with `%m`
   the helper's message (`chdir `/x`: ENOENT`), `%e` the errno name in lower case
   (`error` when there is none) and `%%` a `%`. With no match: `tspod-helper: MSG`. */
#ifndef HELPER_REPORT_H
#define HELPER_REPORT_H

#include "error.h"
#include "plan.h"

void report_failure (const struct plan *p, helper_error_t err, int code, int fd);

#endif

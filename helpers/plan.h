/* The flat plan: KEYWORD\0 COUNT\0 ARG1\0 ... ARGn\0, repeated. Values may hold anything but NUL. */
#ifndef HELPER_PLAN_H
#define HELPER_PLAN_H

#include <stddef.h>
#include "error.h"

struct directive
{
  const char *kw;
  int argc;
  char **argv;
};

struct plan
{
  char *buf;
  struct directive *d;
  size_t n;
};

int plan_read (int fd, struct plan *p, helper_error_t *err);
/* Appends the directives in BUF (LEN bytes, kept: the directives point into it) to P. */
int plan_parse (struct plan *p, char *buf, size_t len, helper_error_t *err);
/* The plan named on a mode's command line: a file, or `-` for fd 3. */
int plan_load (const char *arg, struct plan *p, helper_error_t *err);
/* Last directive named KW, or NULL. */
const struct directive *plan_find (const struct plan *p, const char *kw);
/* Parse a decimal (or 0x hex) unsigned number; -1 on garbage. */
int parse_u64 (const char *s, unsigned long long *out);

#endif

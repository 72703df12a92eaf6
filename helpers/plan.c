#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plan.h"
#include "utils.h"

int
parse_u64 (const char *s, unsigned long long *out)
{
  char *end;
  if (*s == '\0' || *s == '-')
    return -1;
  errno = 0;
  *out = strtoull (s, &end, 0);
  return (errno || *end) ? -1 : 0;
}

int
plan_parse (struct plan *p, char *buf, size_t len, helper_error_t *err)
{
  size_t pos = 0;
  while (pos < len)
    {
      struct directive *d;
      char *kw = buf + pos, *count;
      unsigned long long n;
      size_t i;
      pos += strlen (kw) + 1;
      if (pos >= len)
        return helper_make_error (err, 0, "plan", "parse plan: directive `%s` has no argument count", kw);
      count = buf + pos;
      pos += strlen (count) + 1;
      if (parse_u64 (count, &n) < 0 || n > 100000)
        return helper_make_error (err, 0, "plan", "parse plan: bad argument count `%s` for `%s`", count, kw);
      p->d = xrealloc (p->d, (p->n + 1) * sizeof (*p->d)); /* plans hold tens of directives */
      d = &p->d[p->n++];
      d->kw = kw;
      d->argc = (int) n;
      d->argv = xmalloc ((n + 1) * sizeof (char *));
      for (i = 0; i < n; i++)
        {
          if (pos >= len)
            return helper_make_error (err, 0, "plan", "parse plan: `%s` wants %llu arguments, the plan ends", kw, n);
          d->argv[i] = buf + pos;
          pos += strlen (buf + pos) + 1;
        }
      d->argv[n] = NULL;
    }
  return 0;
}

int
plan_read (int fd, struct plan *p, helper_error_t *err)
{
  ssize_t len = read_all (fd, &p->buf);
  if (len < 0)
    return helper_make_error (err, errno, "plan", "read plan");
  p->n = 0;
  p->d = NULL;
  return plan_parse (p, p->buf, (size_t) len, err);
}

const struct directive *
plan_find (const struct plan *p, const char *kw)
{
  const struct directive *r = NULL;
  size_t i;
  for (i = 0; i < p->n; i++)
    if (strcmp (p->d[i].kw, kw) == 0)
      r = &p->d[i];
  return r;
}

int
plan_load (const char *arg, struct plan *p, helper_error_t *err)
{
  int fd = strcmp (arg, "-") == 0 ? 3 : open (arg, O_RDONLY | O_CLOEXEC);
  int r;
  if (fd < 0)
    return helper_make_error (err, errno, "plan", "open plan `%s`", arg);
  r = plan_read (fd, p, err);
  close (fd);
  return r;
}

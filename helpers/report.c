#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"
#include "utils.h"

static int
matches (const char *pattern, const char *value)
{
  return strcmp (pattern, "*") == 0 || (value != NULL && strcmp (pattern, value) == 0);
}

static const struct directive *
find_rule (const struct plan *p, helper_error_t err, int code)
{
  const char *errno_text = err->status ? errno_name (err->status) : NULL;
  char code_text[16];
  size_t i;
  snprintf (code_text, sizeof code_text, "%d", code);
  for (i = 0; i < p->n; i++)
    {
      const struct directive *d = &p->d[i];
      if (strcmp (d->kw, "on-error") == 0 && d->argc == 4 && matches (d->argv[0], err->stage)
          && matches (d->argv[1], errno_text) && matches (d->argv[2], code_text))
        return d;
    }
  return NULL;
}

/* TEXT with %m, %e and %% replaced, as one write: the line arrives whole. */
static void
write_expanded (int fd, const char *text, helper_error_t err)
{
  char *buf = NULL;
  size_t len = 0;
  const char *s;
  FILE *f = open_memstream (&buf, &len);
  if (f == NULL)
    return;
  for (s = text; *s; s++)
    {
      if (s[0] != '%' || (s[1] != 'm' && s[1] != 'e' && s[1] != '%'))
        {
          fputc (*s, f);
          continue;
        }
      s++;
      if (*s == '%')
        fputc ('%', f);
      else if (*s == 'm')
        {
          fputs (err->msg, f);
          if (err->status)
            fprintf (f, ": %s", errno_name (err->status));
        }
      else
        {
          const char *e = err->status ? errno_name (err->status) : "error";
          for (; *e; e++)
            fputc (*e >= 'A' && *e <= 'Z' ? *e - 'A' + 'a' : *e, f);
        }
    }
  fclose (f);
  write_all (fd, buf, len);
  free (buf);
}

void
report_failure (const struct plan *p, helper_error_t err, int code, int fd)
{
  const struct directive *rule;
  if (err == NULL)
    return;
  rule = find_rule (p, err, code);
  if (rule == NULL)
    {
      if (err->status)
        dprintf (fd, "tspod-helper: %s: %s\n", err->msg, errno_name (err->status));
      else
        dprintf (fd, "tspod-helper: %s\n", err->msg);
      return;
    }
  write_expanded (fd, rule->argv[3], err);
}

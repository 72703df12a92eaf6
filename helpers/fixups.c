/* `fixups` mode: the root-only leftovers of a layer applied unprivileged (whiteout
   nodes, owners, modes, directory times), done with syscalls instead of a shell
   running mknod/chown/chmod/touch: no exec per command. Run inside the user
   namespace (`tspod-helper userns -- tspod-helper fixups`). One process serves a
   whole pull: it reads batches from stdin and acknowledges each on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "fixups.h"
#include "plan.h"
#include "utils.h"

/* Batches larger than this are refused (a layer's fixups are a few MiB at most). */
#define MAX_BATCH (256u << 20)

static int
parse_time (const char *s, struct timespec *ts)
{
  char *end;
  double t;
  errno = 0;
  t = strtod (s, &end);
  if (errno || *end || t < 0)
    return -1;
  ts->tv_sec = (time_t) t;
  ts->tv_nsec = (long) ((t - (double) ts->tv_sec) * 1e9 + 0.5);
  if (ts->tv_nsec >= 1000000000L)
    {
      ts->tv_sec++;
      ts->tv_nsec -= 1000000000L;
    }
  return 0;
}

enum op { WHITEOUT, CHOWN, CHMOD, UTIME };

/* One directive: its leading values, then the paths it applies to. */
static int
apply_one (const struct directive *d, helper_error_t *err)
{
  unsigned long long a = 0, b = 0;
  struct timespec ts[2];
  enum op op;
  int first, i;
  if (strcmp (d->kw, "whiteout") == 0)
    op = WHITEOUT, first = 0;
  else if (strcmp (d->kw, "chown") == 0)
    {
      op = CHOWN, first = 2;
      if (d->argc < 2 || parse_u64 (d->argv[0], &a) < 0 || parse_u64 (d->argv[1], &b) < 0 || a > 0xfffffffeu || b > 0xfffffffeu)
        return helper_make_error (err, 0, "fixups", "bad owner for `chown`");
    }
  else if (strcmp (d->kw, "chmod") == 0)
    {
      op = CHMOD, first = 1;
      if (d->argc < 1 || parse_u64 (d->argv[0], &a) < 0 || a > 07777)
        return helper_make_error (err, 0, "fixups", "bad mode for `chmod`");
    }
  else if (strcmp (d->kw, "utime") == 0)
    {
      op = UTIME, first = 1;
      if (d->argc < 1 || parse_time (d->argv[0], &ts[0]) < 0)
        return helper_make_error (err, 0, "fixups", "bad time for `utime`");
      ts[1] = ts[0];
    }
  else
    return helper_make_error (err, 0, "fixups", "unknown directive `%s`", d->kw);

  for (i = first; i < d->argc; i++)
    {
      const char *p = d->argv[i];
      struct stat st;
      switch (op)
        {
        case WHITEOUT: /* a 0/0 character device, mode 0 */
          if (mknod (p, S_IFCHR, makedev (0, 0)) < 0)
            return helper_make_error (err, errno, "fixups", "mknod `%s`", p);
          break;
        case CHOWN: /* never through a final symlink */
          if (fchownat (AT_FDCWD, p, (uid_t) a, (gid_t) b, AT_SYMLINK_NOFOLLOW) < 0)
            return helper_make_error (err, errno, "fixups", "chown `%s`", p);
          break;
        case CHMOD: /* never a symlink: chmod would follow it out of the layer */
          if (lstat (p, &st) < 0)
            return helper_make_error (err, errno, "fixups", "chmod `%s`", p);
          if (S_ISLNK (st.st_mode))
            return helper_make_error (err, ELOOP, "fixups", "chmod `%s`", p);
          if (fchmodat (AT_FDCWD, p, (mode_t) a, 0) < 0)
            return helper_make_error (err, errno, "fixups", "chmod `%s`", p);
          break;
        case UTIME: /* like `touch -h -c`: a missing path is no error */
          if (utimensat (AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
            return helper_make_error (err, errno, "fixups", "set times of `%s`", p);
          break;
        }
    }
  return 0;
}

/* Reads `LEN\n` (decimal) from FD; 1 on EOF before any byte, -1 on garbage. */
static int
read_length (int fd, size_t *len)
{
  char line[24];
  size_t n = 0;
  unsigned long long v;
  for (;;)
    {
      ssize_t r = read (fd, line + n, 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r == 0 && n == 0)
        return 1;
      if (r <= 0)
        return -1;
      if (line[n] == '\n')
        break;
      if (++n == sizeof line)
        return -1;
    }
  line[n] = '\0';
  if (parse_u64 (line, &v) < 0 || v > MAX_BATCH)
    return -1;
  *len = (size_t) v;
  return 0;
}

/* tspod-helper fixups: batches `LEN\n` + LEN bytes of directives (plan format) on
   stdin, each done in order and answered with `0` on stdout; EOF ends it (exit 0).
   The first failure is reported on stderr and ends it (exit 1). */
int
helper_fixups_main (int argc, char **argv)
{
  helper_error_t err = NULL;
  (void) argc;
  (void) argv;
  for (;;)
    {
      struct plan p = { NULL, NULL, 0 };
      size_t len = 0, i;
      int r = read_length (0, &len);
      if (r == 1)
        return 0;
      p.buf = xmalloc (len + 1);
      if (r < 0 || read_exact (0, p.buf, len) < 0)
        {
          /* The writer died mid-batch (a killed pull): do nothing more. */
          helper_make_error (&err, 0, "fixups", "incomplete batch on stdin");
          goto fail;
        }
      p.buf[len] = '\0';
      if (plan_parse (&p, p.buf, len, &err) < 0)
        goto fail;
      for (i = 0; i < p.n; i++)
        if (apply_one (&p.d[i], &err) < 0)
          goto fail;
      for (i = 0; i < p.n; i++)
        free (p.d[i].argv);
      free (p.d);
      free (p.buf);
      if (write_all (1, "0", 1) < 0)
        return 1;
    }
fail:
  helper_error_report (err, -1, 1);
  return 1;
}

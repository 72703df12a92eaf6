#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "caps.h"

static int
last_cap (void)
{
  int c;
  /* The kernel answers EINVAL past its last capability. */
  for (c = 40; c < 64; c++)
    if (prctl (PR_CAPBSET_READ, c, 0, 0, 0) < 0)
      return c - 1;
  return 63;
}

static int
apply_caps (const struct caps_sets *s, int last, helper_error_t *err)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  int c;
  memset (data, 0, sizeof data);
  data[0].effective = (uint32_t) s->effective;
  data[1].effective = (uint32_t) (s->effective >> 32);
  data[0].permitted = (uint32_t) s->permitted;
  data[1].permitted = (uint32_t) (s->permitted >> 32);
  data[0].inheritable = (uint32_t) s->inheritable;
  data[1].inheritable = (uint32_t) (s->inheritable >> 32);
  if (syscall (SYS_capset, &hdr, data) < 0)
    return helper_make_error (err, errno, "caps", "capset");
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return helper_make_error (err, errno, "caps", "clear ambient capabilities");
  for (c = 0; c <= last; c++)
    if ((s->ambient >> c) & 1)
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
        return helper_make_error (err, errno, "caps", "raise ambient capability `%d`", c);
  return 0;
}

static int
hexval (char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  return -1;
}

int
creds_set_seccomp (struct creds *c, const char *hex, helper_error_t *err)
{
  size_t n = strlen (hex), i;
  if (n == 0 || n % 16 != 0)
    return helper_make_error (err, 0, "plan", "`seccomp`: %zu hex digits are not whole BPF instructions", n);
  c->seccomp = malloc (n / 2);
  if (c->seccomp == NULL)
    return helper_make_error (err, errno, "plan", "`seccomp`: allocate the filter");
  for (i = 0; i < n / 2; i++)
    {
      int hi = hexval (hex[2 * i]), lo = hexval (hex[2 * i + 1]);
      if (hi < 0 || lo < 0)
        return helper_make_error (err, 0, "plan", "`seccomp`: not lower-case hex");
      c->seccomp[i] = (unsigned char) (hi << 4 | lo);
    }
  c->seccomp_len = n / 2;
  return 0;
}

static int
install_seccomp (const struct creds *c, helper_error_t *err)
{
  struct sock_fprog prog;
  if (c->seccomp == NULL)
    return 0;
  prog.len = (unsigned short) (c->seccomp_len / sizeof (struct sock_filter));
  prog.filter = (struct sock_filter *) c->seccomp;
  if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
    return helper_make_error (err, errno, "seccomp", "install the seccomp filter");
  return 0;
}

int
creds_apply (const struct creds *c, helper_error_t *err)
{
  int last = last_cap (), i;
  if (!c->no_new_privs && install_seccomp (c, err) < 0)
    return -1;
  if (c->have_caps)
    for (i = 0; i <= last; i++)
      if (!((c->caps.bounding >> i) & 1))
        if (prctl (PR_CAPBSET_DROP, i, 0, 0, 0) < 0)
          return helper_make_error (err, errno, "caps", "drop capability `%d` from the bounding set", i);
  if (c->have_user || c->have_groups)
    {
      if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return helper_make_error (err, errno, "user", "set keepcaps");
      if (c->have_groups && setgroups (c->ngroups, c->groups) < 0)
        return helper_make_error (err, errno, "user", "setgroups");
      if (c->have_user)
        {
          if (setresgid (c->gid, c->gid, c->gid) < 0)
            return helper_make_error (err, errno, "user", "setresgid `%lu`", (unsigned long) c->gid);
          if (setresuid (c->uid, c->uid, c->uid) < 0)
            return helper_make_error (err, errno, "user", "setresuid `%lu`", (unsigned long) c->uid);
        }
      if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return helper_make_error (err, errno, "user", "clear keepcaps");
    }
  if (c->have_caps && apply_caps (&c->caps, last, err) < 0)
    return -1;
  if (c->no_new_privs && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return helper_make_error (err, errno, "caps", "set no_new_privs");
  if (c->no_new_privs && install_seccomp (c, err) < 0)
    return -1;
  return 0;
}

/* Process credentials: bounding set, uid/gid/groups keeping caps, capset, ambient. */
#ifndef HELPER_CAPS_H
#define HELPER_CAPS_H

#include <stdint.h>
#include <sys/types.h>
#include "error.h"

struct caps_sets
{
  uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct creds
{
  int have_user;
  uid_t uid;
  gid_t gid;
  int have_groups;
  int ngroups;
  gid_t *groups;
  int have_caps;
  struct caps_sets caps;
  int no_new_privs;
  /* The seccomp filter, a sock_filter array (NULL: none). */
  unsigned char *seccomp;
  size_t seccomp_len;
};

/* The plan's `seccomp HEX` into c; -1 when HEX is not whole 8-byte instructions. */
int creds_set_seccomp (struct creds *c, const char *hex, helper_error_t *err);

/* Apply in runc's order: drop bounding, keep caps across setgroups/setresgid/setresuid,
   capset, raise ambient, no_new_privs; the seccomp filter first when no_new_privs is not
   set (installing one then needs CAP_SYS_ADMIN, which the rest drops), else last. */
int creds_apply (const struct creds *c, helper_error_t *err);

#endif

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
};

/* Apply in runc's order: drop bounding, keep caps across setgroups/setresgid/setresuid,
   capset, raise ambient, no_new_privs. */
int creds_apply (const struct creds *c, helper_error_t *err);

#endif

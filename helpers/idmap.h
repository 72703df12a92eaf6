/* Uid/gid maps: computed from /etc/subuid + /etc/subgid (or TSPOD_UIDMAP/TSPOD_GIDMAP)
   and written for a child with newuidmap/newgidmap, or directly for a single-id map. */
#ifndef HELPER_IDMAP_H
#define HELPER_IDMAP_H

#include <sys/types.h>
#include "error.h"

struct idmaps
{
  char *uidmap;  /* "0 1001 1 1 200000 65536" (triples, space separated) */
  char *gidmap;
  int single;    /* write "0 UID 1" / "0 GID 1" directly, setgroups deny */
  uid_t single_uid;
  gid_t single_gid;
};

/* Fill maps from the environment or the subordinate id files; sets single when the
   user has no range (and warns on stderr). */
int idmaps_default (struct idmaps *maps, helper_error_t *err);
/* Write maps for PID (which must sit in a fresh user namespace, blocked). */
int idmaps_apply (pid_t pid, const struct idmaps *maps, helper_error_t *err);

#endif

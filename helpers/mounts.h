/* Mount-ish directives, resolved safely inside the container root with openat2. */
#ifndef HELPER_MOUNTS_H
#define HELPER_MOUNTS_H

#include "error.h"

struct mount_ctx
{
  const char *rootfs;   /* host path of the container root (before pivot) */
  int root_mounted;     /* rootfs is a mount point */
  int pivoted;          /* after pivot, container paths are resolved from "/" */
};

/* openat2 (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) of PATH under ROOTFD: symlinks
   never lead out of the root. Close-on-exec; -1 with errno. */
int mounts_open_in_root (int rootfd, const char *path, int flags);
/* Make the rootfs a mount point (bind on itself) unless a `rootfs-mount` did. */
int mounts_ensure_root (struct mount_ctx *m, helper_error_t *err);
int mounts_rootfs_mount (struct mount_ctx *m, const char *type, const char *source,
                         unsigned long flags, const char *data, helper_error_t *err);
int mounts_mount (struct mount_ctx *m, const char *source, const char *dest, const char *type,
                  unsigned long flags, const char *data, helper_error_t *err);
int mounts_symlink (struct mount_ctx *m, const char *target, const char *dest, helper_error_t *err);
int mounts_pivot (struct mount_ctx *m, helper_error_t *err);
int mounts_mask (struct mount_ctx *m, const char *path, helper_error_t *err);
int mounts_readonly (struct mount_ctx *m, const char *path, helper_error_t *err);
int mounts_root_readonly (struct mount_ctx *m, helper_error_t *err);

#endif

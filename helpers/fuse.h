/* `rootfs-fuse ARGV...` (README.md): the root file system is a FUSE mount (fuse-overlayfs)
   made by P in C's user and mount namespaces before C is released. */
#ifndef HELPER_FUSE_H
#define HELPER_FUSE_H

#include <sys/types.h>
#include "error.h"
#include "plan.h"

/* Run the plan's `rootfs-fuse` program so that its mount is on `rootfs` in the mount
   namespace of PID (C) and nowhere else: the daemon it leaves behind exits when that
   namespace dies. No-op without `rootfs-fuse`. Errors have stage `mount`. */
int fuse_mount_rootfs (const struct plan *p, pid_t pid, helper_error_t *err);

#endif

/* `copy-up SOURCE DEST`: fill an empty volume with the image's content at DEST. */
#ifndef HELPER_COPYUP_H
#define HELPER_COPYUP_H

#include "error.h"
#include "mounts.h"

/* Before `pivot`: when host directory SOURCE is empty, copy the container's DEST
   (resolved in the root) into it, owners, modes, times and symlinks kept. A DEST that
   is missing or not a directory, or a SOURCE that is not empty, is left alone. */
int copyup_volume (struct mount_ctx *m, const char *source, const char *dest, helper_error_t *err);
/* `tspod-helper copy-up PLANFILE|-`: `rootfs`, `rootfs-mount` and `copy-up` directives
   only, run inside `tspod-helper userns` (the OCI runtime path). Exit 0, or 125 with one
   line on stderr. */
int helper_copyup_main (int argc, char **argv);

#endif

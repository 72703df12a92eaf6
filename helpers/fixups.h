/* `fixups` mode: an unprivileged layer apply's root-only leftovers, in the user namespace. */
#ifndef HELPER_FIXUPS_H
#define HELPER_FIXUPS_H

int helper_fixups_main (int argc, char **argv);

#endif

#include <spawn.h>

/* glibc 2.34 and later; spawn.h declares it only under _GNU_SOURCE, which the Glibc module does not set. */
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "idmap.h"
#include "utils.h"

/* First "name:start:count" (or "uid:start:count") line of FILE for this user. */
static int
lookup_range (const char *file, const char *name, unsigned long id, unsigned long *start, unsigned long *count)
{
  char line[512];
  FILE *f = fopen (file, "re");
  int found = 0;
  if (f == NULL)
    return 0;
  while (!found && fgets (line, sizeof line, f))
    {
      char *c1 = strchr (line, ':'), *c2, *end;
      unsigned long s, n;
      if (c1 == NULL || (c2 = strchr (c1 + 1, ':')) == NULL)
        continue;
      *c1 = '\0';
      s = strtoul (c1 + 1, &end, 10);
      if (end != c2)
        continue;
      n = strtoul (c2 + 1, &end, 10);
      if (n == 0)
        continue;
      if ((name && strcmp (line, name) == 0) || (strspn (line, "0123456789") == strlen (line) && strtoul (line, NULL, 10) == id))
        {
          *start = s;
          *count = n;
          found = 1;
        }
    }
  fclose (f);
  return found;
}

static char *
user_name (uid_t uid)
{
  char line[1024];
  char *r = NULL;
  FILE *f = fopen ("/etc/passwd", "re");
  if (f == NULL)
    return NULL;
  while (r == NULL && fgets (line, sizeof line, f))
    {
      char *c1 = strchr (line, ':'), *c2;
      if (c1 == NULL || (c2 = strchr (c1 + 1, ':')) == NULL)
        continue;
      *c1 = '\0';
      if (strtoul (c2 + 1, NULL, 10) == (unsigned long) uid && c2[1] >= '0' && c2[1] <= '9')
        r = xstrdup (line);
    }
  fclose (f);
  return r;
}

int
idmaps_default (struct idmaps *maps, helper_error_t *err)
{
  const char *eu = getenv ("TSPOD_UIDMAP"), *eg = getenv ("TSPOD_GIDMAP");
  uid_t uid = getuid ();
  gid_t gid = getgid ();
  cleanup_free char *name_buf = NULL;
  unsigned long us, uc, gs, gc;
  const char *name;
  (void) err;

  memset (maps, 0, sizeof (*maps));
  maps->single_uid = uid;
  maps->single_gid = gid;
  if (eu && *eu && eg && *eg)
    {
      maps->uidmap = xstrdup (eu);
      maps->gidmap = xstrdup (eg);
      return 0;
    }
  /* Parse /etc/passwd ourselves: the helper is linked statically (it is bind-mounted
     into containers for `init`), where glibc's NSS would need shared libraries. */
  name = name_buf = user_name (uid);
  if (lookup_range ("/etc/subuid", name, uid, &us, &uc) && lookup_range ("/etc/subgid", name, uid, &gs, &gc))
    {
      if (asprintf (&maps->uidmap, "0 %lu 1 1 %lu %lu", (unsigned long) uid, us, uc) < 0
          || asprintf (&maps->gidmap, "0 %lu 1 1 %lu %lu", (unsigned long) gid, gs, gc) < 0)
        abort ();
      return 0;
    }
  dprintf (2, "tspod-helper: warning: no subordinate ids for `%s` in /etc/subuid and /etc/subgid: using a single-id map\n",
           name ? name : "?");
  maps->single = 1;
  return 0;
}

static int
write_file (const char *path, const char *data, helper_error_t *err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return helper_make_error (err, errno, "idmap", "open `%s`", path);
  if (write_all (fd, data, strlen (data)) < 0)
    return helper_make_error (err, errno, "idmap", "write `%s`", path);
  return 0;
}

static pid_t
spawn_map_tool (const char *tool, pid_t pid, const char *map, int errfd)
{
  char pidstr[32], *copy = xstrdup (map), *tok, *save = NULL;
  char *argv[64];
  int argc = 0;
  pid_t child;
  argv[argc++] = (char *) tool;
  snprintf (pidstr, sizeof pidstr, "%d", (int) pid);
  argv[argc++] = pidstr;
  for (tok = strtok_r (copy, " \t\n", &save); tok && argc < 62; tok = strtok_r (NULL, " \t\n", &save))
    argv[argc++] = tok;
  argv[argc] = NULL;
  child = fork ();
  if (child == 0)
    {
      dup2 (errfd, 1);
      dup2 (errfd, 2);
      execv (tool, argv);
      dprintf (2, "exec: %s\n", strerror (errno));
      _exit (127);
    }
  free (copy);
  return child;
}

/* newuidmap and newgidmap run in parallel: two forks, one wait each. */
int
idmaps_apply (pid_t pid, const struct idmaps *maps, helper_error_t *err)
{
  char path[64];
  cleanup_free char *uidtool = NULL;
  cleanup_free char *gidtool = NULL;
  const char *names[2] = { "newuidmap", "newgidmap" };
  const char *subfile[2] = { "/etc/subuid", "/etc/subgid" };
  int pipes[2][2], i, ret = 0;
  pid_t kids[2];

  if (maps->single)
    {
      char buf[64];
      snprintf (path, sizeof path, "/proc/%d/uid_map", (int) pid);
      snprintf (buf, sizeof buf, "0 %lu 1\n", (unsigned long) maps->single_uid);
      if (write_file (path, buf, err) < 0)
        return -1;
      snprintf (path, sizeof path, "/proc/%d/setgroups", (int) pid);
      if (write_file (path, "deny", err) < 0)
        return -1;
      snprintf (path, sizeof path, "/proc/%d/gid_map", (int) pid);
      snprintf (buf, sizeof buf, "0 %lu 1\n", (unsigned long) maps->single_gid);
      return write_file (path, buf, err);
    }

  uidtool = find_program ("newuidmap");
  gidtool = find_program ("newgidmap");
  if (uidtool == NULL || gidtool == NULL)
    return helper_make_error (err, ENOENT, "idmap",
                              "find `%s`: install the `uidmap` package (it provides newuidmap and newgidmap)",
                              uidtool == NULL ? "newuidmap" : "newgidmap");
  for (i = 0; i < 2; i++)
    {
      if (pipe2 (pipes[i], O_CLOEXEC) < 0)
        return helper_make_error (err, errno, "idmap", "create pipe");
      kids[i] = spawn_map_tool (i == 0 ? uidtool : gidtool, pid, i == 0 ? maps->uidmap : maps->gidmap, pipes[i][1]);
      close (pipes[i][1]);
      if (kids[i] < 0)
        return helper_make_error (err, errno, "idmap", "fork `%s`", names[i]);
    }
  for (i = 0; i < 2; i++)
    {
      char *out = NULL;
      int status;
      if (read_all (pipes[i][0], &out) < 0)
        out = NULL;
      close (pipes[i][0]);
      while (waitpid (kids[i], &status, 0) < 0 && errno == EINTR)
        ;
      if (ret == 0 && !(WIFEXITED (status) && WEXITSTATUS (status) == 0))
        {
          size_t l = out ? strlen (out) : 0;
          while (l > 0 && (out[l - 1] == '\n' || out[l - 1] == ' '))
            out[--l] = '\0';
          helper_make_error (err, 0, "idmap", "%s `%s` failed: %s (check that %s has a range for this user, and that the map fits in it)",
                             names[i], i == 0 ? maps->uidmap : maps->gidmap, l ? out : "no output", subfile[i]);
          ret = -1;
        }
      free (out);
    }
  return ret;
}

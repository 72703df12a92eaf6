/* sd-notify: a static systemd-notify for the guest tests' containers (busybox has none).
 * Sends its arguments, one per line, as one datagram to $NOTIFY_SOCKET (a path or an
 * @abstract name) and exits 0, or prints why not and exits 1.
 * Built by test/_harness/vm.mjs: cc -static -O2 -o sd-notify sd-notify.c */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main (int argc, char **argv)
{
  const char *path = getenv ("NOTIFY_SOCKET");
  if (path == NULL || *path == '\0' || strlen (path) >= sizeof (((struct sockaddr_un *) 0)->sun_path))
    {
      fprintf (stderr, "sd-notify: NOTIFY_SOCKET is %s\n", path ? "too long or empty" : "not set");
      return 1;
    }
  char msg[4096] = "";
  size_t len = 0;
  for (int i = 1; i < argc; i++)
    {
      size_t n = strlen (argv[i]);
      if (len + n + 2 > sizeof msg)
        {
          fprintf (stderr, "sd-notify: message too long\n");
          return 1;
        }
      memcpy (msg + len, argv[i], n);
      len += n;
      msg[len++] = '\n';
    }
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  size_t plen = strlen (path);
  memcpy (sa.sun_path, path, plen);
  if (path[0] == '@')
    sa.sun_path[0] = '\0';
  else
    plen++;
  int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || sendto (fd, msg, len, 0, (struct sockaddr *) &sa, offsetof (struct sockaddr_un, sun_path) + plen) < 0)
    {
      perror ("sd-notify");
      return 1;
    }
  close (fd);
  return 0;
}

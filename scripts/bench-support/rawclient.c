/* The floor for scripts/bench: a QMP client that does no JSON work at all.
 *
 *   rawclient SOCKET N      negotiate, then N times: send query-status with an id, read one line
 *   rawclient SOCKET flood  negotiate, then read until the BENCH_DONE event line
 *
 * It reads the greeting line, sends qmp_capabilities, and for each command waits for one
 * line ending in '\n' (events would break this; the peers used here send none). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char buf[1 << 16];
static size_t have, pos;

/* Consumes bytes up to and including the next '\n'; returns 0, or -1 at EOF. */
static int read_line(int fd) {
  for (;;) {
    char *nl = memchr(buf + pos, '\n', have - pos);
    if (nl) {
      pos = (size_t)(nl - buf) + 1;
      return 0;
    }
    have = pos = 0;
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    have = (size_t)r;
  }
}

static int send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: rawclient SOCKET N|flood\n");
    return 2;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
    perror("rawclient: connect");
    return 3;
  }
  static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\n";
  if (read_line(fd) || send_all(fd, caps, sizeof caps - 1) || read_line(fd)) {
    fprintf(stderr, "rawclient: no greeting or negotiation\n");
    return 4;
  }
  if (strcmp(argv[2], "flood") == 0) {
    /* Count lines until the last event; no parsing beyond a substring check per buffer. */
    long lines = 0;
    for (;;) {
      ssize_t r = read(fd, buf, sizeof buf);
      if (r <= 0) break;
      for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + r - p))); p++) lines++;
      if (memmem(buf, (size_t)r, "BENCH_DONE", 10)) break;
    }
    printf("%ld\n", lines);
    return 0;
  }
  long n = atol(argv[2]);
  char cmd[96];
  for (long i = 0; i < n; i++) {
    int len = snprintf(cmd, sizeof cmd, "{\"execute\":\"query-status\",\"id\":\"r%ld\"}\n", i);
    if (send_all(fd, cmd, (size_t)len) || read_line(fd)) {
      fprintf(stderr, "rawclient: connection lost after %ld commands\n", i);
      return 4;
    }
  }
  return 0;
}

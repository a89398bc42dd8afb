/* A fast scripted QMP peer for scripts/bench: it must cost far less than the client it serves.
 *
 *   responder SOCKET cmd            answer every command with a canned query-status reply
 *   responder SOCKET flood N        after negotiation, send N small events, then BENCH_DONE
 *   responder SOCKET large MB       answer every command with one reply of about MB megabytes
 *   responder - large MB            print that reply to standard output
 *
 * It listens on SOCKET and serves clients one after another until killed. Input is framed by
 * brace balance (QEMU's rule: no newline needed), and the reply echoes the request's "id" value
 * byte for byte, found with a cheap scan rather than a JSON parse. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char greeting[] =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
    "\"package\": \"bench\"}, \"capabilities\": [\"oob\"]}}\r\n";

static int write_all(int fd, const char *p, size_t n) {
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

/* Output buffer: replies are batched per read() so a pipelining client pays one write. */
static char *out;
static size_t out_len, out_cap;
#define ADD(lit) out_add(lit, sizeof lit - 1)
static void out_add(const char *p, size_t n) {
  if (out_len + n > out_cap) {
    out_cap = (out_len + n) * 2;
    out = realloc(out, out_cap);
    if (!out) { perror("realloc"); exit(1); }
  }
  memcpy(out + out_len, p, n);
  out_len += n;
}

/* The value of "id" in one request object [p, end): returns its span or 0 if absent. Scans
 * for the key, then takes a string (with escapes) or a token up to , or }. */
static size_t find_id(const char *p, const char *end, const char **id) {
  for (const char *q = p; q + 4 <= end; q++) {
    if (q[0] == '"' && q[1] == 'i' && q[2] == 'd' && q[3] == '"') {
      const char *v = q + 4;
      while (v < end && (*v == ' ' || *v == ':' || *v == '\t')) v++;
      const char *e = v;
      if (e < end && *e == '"') {
        e++;
        while (e < end && *e != '"') e += (*e == '\\') ? 2 : 1;
        e++;
      } else {
        int depth = 0;
        while (e < end && (depth > 0 || (*e != ',' && *e != '}'))) {
          if (*e == '{' || *e == '[') depth++;
          if (*e == '}' || *e == ']') depth--;
          e++;
        }
      }
      if (e > end) e = end;
      *id = v;
      return (size_t)(e - v);
    }
  }
  return 0;
}

static int trace;
static char *large_reply;
static size_t large_len;

static void build_large(double mb) {
  size_t target = (size_t)(mb * 1000000.0);
  size_t cap = target + 4096;
  large_reply = malloc(cap);
  size_t n = (size_t)sprintf(large_reply, "{\"return\": [");
  for (unsigned i = 0; n < target; i++) {
    n += (size_t)sprintf(large_reply + n,
        "%s{\"name\": \"object-%u\", \"meta-type\": \"object\", \"members\": [{\"name\": "
        "\"node-name\", \"type\": \"str\"}, {\"name\": \"size\", \"type\": \"int\", "
        "\"default\": %u}], \"ratio\": %u.5, \"flag\": %s, \"note\": null}",
        i ? ", " : "", i, i * 7u, i % 100u, (i & 1) ? "true" : "false");
  }
  n += (size_t)sprintf(large_reply + n, "]");
  large_len = n; /* the id and closing brace are appended per reply */
}

static void serve(int fd, const char *mode, long count) {
  if (write_all(fd, greeting, sizeof greeting - 1)) return;
  static char buf[1 << 16];
  char obj[1 << 16];
  size_t obj_len = 0;
  int depth = 0, in_str = 0, esc = 0, negotiated = 0;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    out_len = 0;
    for (ssize_t i = 0; i < r; i++) {
      char c = buf[i];
      if (depth > 0 && obj_len < sizeof obj) obj[obj_len++] = c;
      if (in_str) {
        if (esc) esc = 0;
        else if (c == '\\') esc = 1;
        else if (c == '"') in_str = 0;
        continue;
      }
      if (c == '"') { in_str = 1; continue; }
      if (c == '{') {
        if (depth++ == 0) { obj[0] = c; obj_len = 1; }
        continue;
      }
      if (c != '}' || --depth != 0) continue;
      /* One complete request in obj[0, obj_len). */
      const char *id = NULL;
      size_t id_len = find_id(obj, obj + obj_len, &id);
      int is_caps = memmem(obj, obj_len, "qmp_capabilities", 16) != NULL;
      if (trace) fprintf(stderr, "responder: %.*s\n", (int)obj_len, obj);
      if (is_caps) ADD("{\"return\": {}");
      else if (memmem(obj, obj_len, "\"query-commands\"", 16))
        ADD("{\"return\": [{\"name\": \"query-status\"}, {\"name\": \"qmp_capabilities\"}]");
      else if (mode[0] == 'l') out_add(large_reply, large_len);
      else ADD("{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}");
      if (id_len) { ADD(", \"id\": "); out_add(id, id_len); }
      ADD("}\r\n");
      if (is_caps && !negotiated && mode[0] == 'f') {
        negotiated = 1;
        if (write_all(fd, out, out_len)) return;
        out_len = 0;
        char ev[160];
        for (long k = 0; k < count; k++) {
          int n = snprintf(ev, sizeof ev,
              "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": %ld}, "
              "\"event\": \"BENCH_TICK\", \"data\": {\"n\": %ld}}\r\n", k % 1000000, k);
          out_add(ev, (size_t)n);
          if (out_len > (1 << 16)) {
            if (write_all(fd, out, out_len)) return;
            out_len = 0;
          }
        }
        ADD("{\"timestamp\": {\"seconds\": 1700000001, \"microseconds\": 0}, "
            "\"event\": \"BENCH_DONE\"}\r\n");
        if (write_all(fd, out, out_len)) return;
        out_len = 0;
        if (getenv("RESPONDER_CLOSE_AFTER_FLOOD")) return;
      }
    }
    if (out_len && write_all(fd, out, out_len)) return;
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: responder SOCKET cmd|flood N|large MB\n");
    return 2;
  }
  const char *mode = argv[2];
  long count = argc > 3 ? atol(argv[3]) : 0;
  if (mode[0] == 'l') build_large(argc > 3 ? atof(argv[3]) : 10);
  if (strcmp(argv[1], "-") == 0) { /* print the large reply, for jq to read the same bytes */
    if (mode[0] != 'l') return 2;
    return write_all(1, large_reply, large_len) || write_all(1, "}\r\n", 3);
  }
  trace = getenv("RESPONDER_TRACE") != NULL;
  signal(SIGPIPE, SIG_IGN);
  int ls = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
  unlink(argv[1]);
  if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 16)) {
    perror("responder: bind");
    return 1;
  }
  for (;;) {
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) continue;
      perror("responder: accept");
      return 1;
    }
    serve(fd, mode, count);
    close(fd);
  }
}

/*
 * calyx CNI forwarder: the executable a container runtime runs as `calyx` or `calyx-ipam`.
 *
 * It holds no CNI logic. It answers VERSION by itself (runtimes probe it before any agent exists), reads
 * the CNI environment and the network configuration from stdin (bounded), finds the agent socket
 * (`agent_socket` at the top level of the configuration or inside `ipam`) and `timeout_seconds` with a
 * small tokenizer, sends one frame to the warm calyx-agent, and prints the agent's answer with its exit
 * code. When the agent cannot be reached or does not answer in time it prints one CNI error JSON
 * (code 11) on stdout and exits 1, so a runtime never hangs on it.
 *
 * Frame (all integers unsigned 32-bit big-endian; see ForwarderProtocol.java):
 *   request: "CLX1" | role u8 | budget_ms | env_len | env (KEY=VALUE\0...) | stdin_len | stdin
 *   reply:   "CLX1" | exit_code | stdout_len | stdout | stderr_len | stderr
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x434C5831u
#define DEFAULT_SOCKET "/run/calyx/agent.sock"
#define DEFAULT_TIMEOUT_S 30
#define MAX_TIMEOUT_S 600
#define MAX_ENV (64 * 1024)
#define MAX_STDIN (1024 * 1024)
#define MAX_STDOUT (4 * 1024 * 1024)
#define MAX_STDERR (64 * 1024)
#define MAX_DEPTH 64
#define SOCKET_PATH_MAX 107
/*
 * The agent gets a little less than the forwarder waits, so its answer (or rollback) arrives in time: a
 * tenth of the timeout, at least 250 ms and at most 1 s. (A flat 250 ms was too little on a loaded 2-core
 * host: with etcd down, answers that gave up at the budget and rolled back came 300-500 ms after it.)
 */
#define AGENT_MARGIN_MIN_MS 250
#define AGENT_MARGIN_MAX_MS 1000

static const char *VERSION_REPLY =
    "{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.1.0\",\"0.2.0\",\"0.3.0\",\"0.3.1\",\"0.4.0\","
    "\"1.0.0\",\"1.1.0\"]}\n";
static const char *SUPPORTED[] = {"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL};

/* ---- output helpers ------------------------------------------------------------------------------ */

static int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

struct strbuf {
  char data[8192];
  size_t len;
};

static void sb_add(struct strbuf *b, const char *s, size_t n) {
  if (n > sizeof(b->data) - 1 - b->len) n = sizeof(b->data) - 1 - b->len;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

static void sb_str(struct strbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* Appends s as a JSON string literal (quotes included); control and non-ASCII bytes are escaped. */
static void sb_json(struct strbuf *b, const char *s) {
  sb_str(b, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char esc[8];
    if (*p == '"' || *p == '\\') {
      esc[0] = '\\';
      esc[1] = (char)*p;
      sb_add(b, esc, 2);
    } else if (*p < 0x20 || *p >= 0x7f) {
      snprintf(esc, sizeof esc, "\\u%04x", *p);
      sb_str(b, esc);
    } else {
      sb_add(b, (const char *)p, 1);
    }
  }
  sb_str(b, "\"");
}

static const char *g_reply_version = "0.2.0";

/* Prints one CNI error JSON on stdout and exits 1. */
static void fail(int code, const char *details, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  struct strbuf b = {.len = 0};
  char codebuf[32];
  sb_str(&b, "{\"cniVersion\":");
  sb_json(&b, g_reply_version);
  snprintf(codebuf, sizeof codebuf, ",\"code\":%d,\"msg\":", code);
  sb_str(&b, codebuf);
  sb_json(&b, msg);
  if (details && *details) {
    sb_str(&b, ",\"details\":");
    sb_json(&b, details);
  }
  sb_str(&b, "}\n");
  write_all(1, b.data, b.len);
  _exit(1);
}

/* ---- time ---------------------------------------------------------------------------------------- */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t g_deadline_ms; /* absolute, CLOCK_MONOTONIC */

static int remaining_ms(void) {
  int64_t left = g_deadline_ms - now_ms();
  return left < 0 ? 0 : (int)left;
}

/* ---- the tokenizer: finds agent_socket, ipam.agent_socket, timeout_seconds, cniVersion ------------ */

struct scan {
  const char *p;
  const char *end;
  char socket_top[SOCKET_PATH_MAX + 2];
  char socket_ipam[SOCKET_PATH_MAX + 2];
  char version[16];
  long timeout_s; /* 0 = not set or unusable */
};

static void skip_ws(struct scan *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/*
 * Parses a string at s->p (which must be '"'). With out != NULL, stores the decoded bytes when they fit
 * in cap-1 bytes and contain no NUL; *fits tells whether they did. Returns 0 on success, -1 on a syntax error.
 */
static int scan_string(struct scan *s, char *out, size_t cap, int *fits) {
  size_t n = 0;
  int ok = 1;
  if (s->p >= s->end || *s->p != '"') return -1;
  s->p++;
  while (s->p < s->end) {
    unsigned char c = (unsigned char)*s->p++;
    unsigned int cp;
    if (c == '"') {
      if (out && cap > 0) out[ok ? n : 0] = 0;
      if (fits) *fits = ok;
      return 0;
    }
    if (c < 0x20) return -1;
    if (c != '\\') {
      cp = 0x100 + c; /* raw byte marker */
    } else {
      if (s->p >= s->end) return -1;
      char e = *s->p++;
      switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u': {
          if (s->end - s->p < 4) return -1;
          cp = 0;
          for (int i = 0; i < 4; i++) {
            int h = hexval(s->p[i]);
            if (h < 0) return -1;
            cp = cp * 16 + (unsigned)h;
          }
          s->p += 4;
          /* Only plain ASCII escapes are kept; anything else makes the value unusable for a path. */
          if (cp == 0 || cp >= 0x80) ok = 0;
          break;
        }
        default:
          return -1;
      }
    }
    if (out && ok) {
      char byte = (char)(cp >= 0x100 ? cp - 0x100 : cp);
      if (n + 1 >= cap) {
        ok = 0;
      } else {
        out[n++] = byte;
      }
    }
  }
  return -1;
}

/* Parses a number; stores its value in *value when it is a plain integer that fits, else sets it to 0. */
static int scan_number(struct scan *s, long *value) {
  const char *start = s->p;
  long v = 0;
  int integral = 1, overflow = 0;
  if (s->p < s->end && *s->p == '-') {
    s->p++;
    integral = 0; /* negative: never a usable timeout */
  }
  if (s->p >= s->end || *s->p < '0' || *s->p > '9') return -1;
  while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
    if (v > 100000000L) overflow = 1;
    else v = v * 10 + (*s->p - '0');
    s->p++;
  }
  if (s->p < s->end && *s->p == '.') {
    integral = 0;
    s->p++;
    if (s->p >= s->end || *s->p < '0' || *s->p > '9') return -1;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') s->p++;
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    integral = 0;
    s->p++;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-')) s->p++;
    if (s->p >= s->end || *s->p < '0' || *s->p > '9') return -1;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') s->p++;
  }
  if (value) *value = (integral && !overflow && s->p > start) ? v : 0;
  return 0;
}

static int scan_literal(struct scan *s, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return -1;
  s->p += n;
  return 0;
}

enum ctx { CTX_OTHER, CTX_TOP, CTX_IPAM };

static int scan_value(struct scan *s, int depth, enum ctx ctx);

/*
 * Opens a container whose opening character is at s->p: 1 when it has members to scan, 0 when it is empty
 * and already closed ("{}" or "[]").
 */
static int open_container(struct scan *s, char close) {
  s->p++;
  skip_ws(s);
  if (s->p < s->end && *s->p == close) {
    s->p++;
    return 0;
  }
  return 1;
}

/* After a member: 1 when a ',' follows (another member), 0 when the container closes, -1 on bad input. */
static int after_member(struct scan *s, char close) {
  skip_ws(s);
  if (s->p >= s->end) return -1;
  if (*s->p == ',') {
    s->p++;
    return 1;
  }
  if (*s->p == close) {
    s->p++;
    return 0;
  }
  return -1;
}

static int scan_object(struct scan *s, int depth, enum ctx ctx) {
  if (!open_container(s, '}')) return 0;
  for (;;) {
    char key[32];
    int fits = 0;
    skip_ws(s);
    if (scan_string(s, key, sizeof key, &fits) < 0) return -1;
    if (!fits) key[0] = 0;
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':') return -1;
    s->p++;
    skip_ws(s);
    if (s->p >= s->end) return -1;
    char c = *s->p;
    if (ctx == CTX_TOP && c == '"' && strcmp(key, "agent_socket") == 0) {
      if (scan_string(s, s->socket_top, sizeof s->socket_top, &fits) < 0) return -1;
      if (!fits) s->socket_top[0] = 0;
    } else if (ctx == CTX_IPAM && c == '"' && strcmp(key, "agent_socket") == 0) {
      if (scan_string(s, s->socket_ipam, sizeof s->socket_ipam, &fits) < 0) return -1;
      if (!fits) s->socket_ipam[0] = 0;
    } else if (ctx == CTX_TOP && c == '"' && strcmp(key, "cniVersion") == 0) {
      if (scan_string(s, s->version, sizeof s->version, &fits) < 0) return -1;
      if (!fits) s->version[0] = 0;
    } else if (ctx == CTX_TOP && (c == '-' || (c >= '0' && c <= '9')) && strcmp(key, "timeout_seconds") == 0) {
      if (scan_number(s, &s->timeout_s) < 0) return -1;
    } else if (ctx == CTX_TOP && c == '{' && strcmp(key, "ipam") == 0) {
      if (depth + 1 > MAX_DEPTH) return -1;
      if (scan_object(s, depth + 1, CTX_IPAM) < 0) return -1;
    } else {
      if (scan_value(s, depth + 1, CTX_OTHER) < 0) return -1;
    }
    int next = after_member(s, '}');
    if (next <= 0) return next;
  }
}

static int scan_array(struct scan *s, int depth) {
  if (!open_container(s, ']')) return 0;
  for (;;) {
    if (scan_value(s, depth + 1, CTX_OTHER) < 0) return -1;
    int next = after_member(s, ']');
    if (next <= 0) return next;
  }
}

static int scan_value(struct scan *s, int depth, enum ctx ctx) {
  if (depth > MAX_DEPTH) return -1;
  skip_ws(s);
  if (s->p >= s->end) return -1;
  switch (*s->p) {
    case '{': return scan_object(s, depth, ctx);
    case '[': return scan_array(s, depth);
    case '"': return scan_string(s, NULL, 0, NULL);
    case 't': return scan_literal(s, "true");
    case 'f': return scan_literal(s, "false");
    case 'n': return scan_literal(s, "null");
    default: return scan_number(s, NULL);
  }
}

/*
 * Scans the configuration. Returns 0 when it is one well-formed JSON object; otherwise -1, and the
 * caller falls back to the defaults (the agent reports the precise error).
 */
static int scan_config(struct scan *s, const char *buf, size_t len) {
  memset(s, 0, sizeof *s);
  s->p = buf;
  s->end = buf + len;
  skip_ws(s);
  if (s->p >= s->end || *s->p != '{') return -1;
  if (scan_object(s, 1, CTX_TOP) < 0) return -1;
  skip_ws(s);
  return s->p == s->end ? 0 : -1;
}

/* ---- I/O with the deadline ------------------------------------------------------------------------ */

/* Waits for fd to be ready; returns 1 when ready, 0 on timeout, -1 on error. */
static int wait_fd(int fd, short events) {
  for (;;) {
    struct pollfd p = {.fd = fd, .events = events};
    int left = remaining_ms();
    if (left == 0) return 0;
    int r = poll(&p, 1, left);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    return r > 0 ? 1 : 0;
  }
}

/*
 * Reads stdin up to MAX_STDIN bytes (Mesos passes a regular file; other runtimes a pipe). Every read waits
 * at most until the deadline. Returns 0, 1 when stdin is larger than the limit, -1 on error, -2 on timeout.
 */
static int read_stdin(char **out, size_t *len) {
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  if (!buf) return -1;
  for (;;) {
    if (n == cap) {
      cap *= 2;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        return -1;
      }
      buf = nb;
    }
    int w = wait_fd(0, POLLIN);
    if (w <= 0) {
      free(buf);
      return w == 0 ? -2 : -1;
    }
    ssize_t r = read(0, buf + n, cap - n);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == EBADF) break; /* no stdin at all: an empty configuration */
      free(buf);
      return -1;
    }
    n += (size_t)r;
    if (n > MAX_STDIN) {
      free(buf);
      return 1;
    }
  }
  *out = buf;
  *len = n;
  return 0;
}

static int send_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        int w = wait_fd(fd, POLLOUT);
        if (w <= 0) return w == 0 ? -2 : -1;
        continue;
      }
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Receives exactly len bytes; returns 0, -1 on error, -2 on timeout, -3 on EOF. */
static int recv_all(int fd, void *buf, size_t len) {
  char *p = buf;
  while (len > 0) {
    ssize_t n = recv(fd, p, len, 0);
    if (n == 0) return -3;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        int w = wait_fd(fd, POLLIN);
        if (w <= 0) return w == 0 ? -2 : -1;
        continue;
      }
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static void put_u32(char *p, uint32_t v) {
  p[0] = (char)(v >> 24);
  p[1] = (char)(v >> 16);
  p[2] = (char)(v >> 8);
  p[3] = (char)v;
}

static uint32_t get_u32(const unsigned char *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* ---- main ---------------------------------------------------------------------------------------- */

static int g_timeout_s = DEFAULT_TIMEOUT_S;
static const char *g_socket = DEFAULT_SOCKET;

static const char *AGENT_HINT =
    "Is calyx-agent running on this host (systemctl status calyx-agent)? The socket is set by "
    "agent_socket in the network configuration (default " DEFAULT_SOCKET ").";

static void io_failure(int rc, const char *what) {
  if (rc == -2) {
    fail(11,
         "The request was abandoned. Check the calyx-agent log; raise timeout_seconds in the network "
         "configuration if the datastore is slow.",
         "calyx-agent at %s did not answer within %d s", g_socket, g_timeout_s);
  }
  if (rc == -3) {
    fail(11, "It may have restarted or stopped; retry. Check the calyx-agent log.",
         "calyx-agent at %s closed the connection without answering", g_socket);
  }
  char details[512];
  snprintf(details, sizeof details, "%s: %s. %s", what, strerror(errno), AGENT_HINT);
  fail(11, details, "calyx-agent is not reachable at %s", g_socket);
}

static int connect_agent(void) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(g_socket) >= sizeof addr.sun_path) {
    fail(7, "", "agent_socket is longer than %zu bytes", sizeof addr.sun_path - 1);
  }
  strcpy(addr.sun_path, g_socket);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) io_failure(-1, "socket");
  for (;;) {
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) return fd;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      /* The agent's accept backlog is full: wait a little, within the deadline. */
      if (remaining_ms() == 0) io_failure(-2, "connect");
      struct timespec ts = {0, 5 * 1000 * 1000};
      nanosleep(&ts, NULL);
      continue;
    }
    if (errno == EINPROGRESS) {
      int w = wait_fd(fd, POLLOUT);
      if (w <= 0) io_failure(w == 0 ? -2 : -1, "connect");
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) return fd;
      errno = err;
    }
    io_failure(-1, "connect");
  }
}

static int is_supported(const char *v) {
  for (int i = 0; SUPPORTED[i]; i++)
    if (strcmp(SUPPORTED[i], v) == 0) return 1;
  return 0;
}

extern char **environ;

int main(int argc, char **argv) {
  (void)argc;
  signal(SIGPIPE, SIG_IGN);
  const char *self = argv[0] ? argv[0] : "calyx";
  const char *base = strrchr(self, '/');
  base = base ? base + 1 : self;
  int role = strstr(base, "ipam") != NULL ? 1 : 0;

  const char *command = getenv("CNI_COMMAND");
  if (command && strcmp(command, "VERSION") == 0) {
    write_all(1, VERSION_REPLY, strlen(VERSION_REPLY));
    return 0;
  }

  /* Reading stdin is bounded by the default deadline; the configuration may then shorten or extend it. */
  g_deadline_ms = now_ms() + (int64_t)DEFAULT_TIMEOUT_S * 1000;
  char *in = NULL;
  size_t in_len = 0;
  int rc = read_stdin(&in, &in_len);
  if (rc == 1) fail(7, "", "the network configuration on stdin is larger than %d bytes", MAX_STDIN);
  if (rc == -2) fail(5, "", "timed out reading the network configuration from stdin");
  if (rc < 0) fail(5, strerror(errno), "cannot read the network configuration from stdin");

  struct scan sc;
  if (scan_config(&sc, in, in_len) == 0) {
    if (sc.version[0]) g_reply_version = is_supported(sc.version) ? sc.version : "1.1.0";
    if (sc.socket_top[0] == '/') g_socket = sc.socket_top;
    else if (sc.socket_ipam[0] == '/') g_socket = sc.socket_ipam;
    if (sc.timeout_s >= 1 && sc.timeout_s <= MAX_TIMEOUT_S) g_timeout_s = (int)sc.timeout_s;
  }
  g_deadline_ms = now_ms() + (int64_t)g_timeout_s * 1000;

  /* Frame: only the CNI_* variables travel; the agent needs nothing else of this environment. */
  size_t env_len = 0;
  for (char **e = environ; *e; e++) {
    if (strncmp(*e, "CNI_", 4) == 0) env_len += strlen(*e) + 1;
  }
  if (env_len > MAX_ENV) fail(4, "", "the CNI_* environment variables exceed %d bytes", MAX_ENV);
  size_t frame_len = 4 + 1 + 4 + 4 + env_len + 4 + in_len;
  char *frame = malloc(frame_len);
  if (!frame) fail(999, "", "out of memory");
  char *p = frame;
  put_u32(p, MAGIC);
  p += 4;
  *p++ = (char)role;
  int margin = g_timeout_s * 100;
  if (margin < AGENT_MARGIN_MIN_MS) margin = AGENT_MARGIN_MIN_MS;
  if (margin > AGENT_MARGIN_MAX_MS) margin = AGENT_MARGIN_MAX_MS;
  int budget = g_timeout_s * 1000 - margin;
  put_u32(p, (uint32_t)(budget > 0 ? budget : 1));
  p += 4;
  put_u32(p, (uint32_t)env_len);
  p += 4;
  for (char **e = environ; *e; e++) {
    if (strncmp(*e, "CNI_", 4) == 0) {
      size_t n = strlen(*e) + 1;
      memcpy(p, *e, n);
      p += n;
    }
  }
  put_u32(p, (uint32_t)in_len);
  p += 4;
  memcpy(p, in, in_len);

  int fd = connect_agent();
  rc = send_all(fd, frame, frame_len);
  int send_errno = errno;
  /* An agent that refuses a caller answers without reading the whole frame: read its answer anyway. */
  if (rc == -1 && send_errno != EPIPE && send_errno != ECONNRESET) io_failure(rc, "send");
  if (rc == -2) io_failure(rc, "send");

  unsigned char head[12];
  int sent_all = rc == 0;
  rc = recv_all(fd, head, sizeof head);
  if (rc < 0 && !sent_all) {
    errno = send_errno;
    io_failure(-1, "send");
  }
  if (rc < 0) io_failure(rc, "receive");
  static const char *BAD_REPLY_HINT =
      "bin/calyx and calyx-agent speak different protocols: install both from the same calyx build";
  if (get_u32(head) != MAGIC) fail(999, BAD_REPLY_HINT, "calyx-agent at %s sent an invalid reply", g_socket);
  uint32_t exit_code = get_u32(head + 4);
  uint32_t out_len = get_u32(head + 8);
  if (out_len > MAX_STDOUT) fail(999, BAD_REPLY_HINT, "calyx-agent at %s sent an oversized reply", g_socket);
  char *out = malloc(out_len + 1);
  if (!out) fail(999, "", "out of memory");
  rc = recv_all(fd, out, out_len);
  if (rc < 0) io_failure(rc, "receive");
  unsigned char errhead[4];
  rc = recv_all(fd, errhead, sizeof errhead);
  if (rc < 0) io_failure(rc, "receive");
  uint32_t err_len = get_u32(errhead);
  if (err_len > MAX_STDERR) fail(999, BAD_REPLY_HINT, "calyx-agent at %s sent an oversized reply", g_socket);
  char *err = malloc(err_len + 1);
  if (!err) fail(999, "", "out of memory");
  rc = recv_all(fd, err, err_len);
  if (rc < 0) io_failure(rc, "receive");
  close(fd);

  if (err_len > 0) write_all(2, err, err_len);
  if (write_all(1, out, out_len) < 0) return 1;
  return exit_code > 255 ? 1 : (int)exit_code;
}

/* soak_server: a small HTTP/1.1 server on the C core, the host that Tests/EndToEndTests/soak.py loads while the
 * Sentry endpoint (fault_server.py) flaps.
 *
 *   soak_server [--port N] [--port-file F] [--cache DIR] [--queue N] [--shutdown-ms MS]
 *   soak_server --drain MS [--cache DIR]     send what the cache holds (csc_flush(MS)), then exit
 *
 * Environment: SOAK_DSN (required). Every request runs in its own isolation scope with a request session
 * and an `http.server` transaction (one child span):
 *   GET /hello/:name   200                      transaction
 *   GET /fail/:id      500                      + an exception with this thread's stack trace
 *   GET /upload/:id    200                      + an error event with a 4096-byte attachment
 *   GET /job/:id       200                      + two check-ins (in_progress, ok) of monitor soak-job
 *   GET /stats         200                      the counters below as JSON (no SDK work)
 * SIGTERM/SIGINT: stop accepting, let open requests end, csc_close (the shutdown timeout; the rest is cached) and
 * print the counters as one JSON line: what the SDK was handed per category (`captured`), calls that were refused
 * (`refused`, by return code) and the time csc_close took.
 */
#include <arpa/inet.h>
#include <cscope.h>
#include <cscope/crash.h>
#include <cscope/health.h>
#include <cscope/tracing.h>
#include <cscope/transport.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ATTACHMENT_BYTES 4096

static atomic_long n_requests, n_errors, n_transactions, n_spans, n_attachment_bytes, n_sessions, n_check_ins;
static atomic_long n_refused, n_open_connections;
static atomic_int stopping;
static int wake_pipe[2];

static void on_signal(int sig) {
    (void)sig;
    atomic_store(&stopping, 1);
    ssize_t w = write(wake_pipe[1], "x", 1);
    (void)w;
}

/* Counts a capture the SDK took (CSC_OK, or CSC_ERR_DROPPED: dropped and counted in a client report). */
static int took(int rc, atomic_long *counter, long n) {
    if (rc == CSC_OK || rc == CSC_ERR_DROPPED) {
        atomic_fetch_add(counter, n);
        return 1;
    }
    atomic_fetch_add(&n_refused, 1);
    return 0;
}

static int handle(const char *path, char *body, size_t body_size) {
    const char *route = !strncmp(path, "/fail/", 6)     ? "/fail/:id"
                        : !strncmp(path, "/upload/", 8) ? "/upload/:id"
                        : !strncmp(path, "/job/", 5)    ? "/job/:id"
                        : !strncmp(path, "/hello/", 7)  ? "/hello/:name"
                                                        : NULL;
    if (!route) {
        snprintf(body, body_size, "not found\n");
        return 404;
    }
    const char *arg = strchr(path + 1, '/') + 1;
    atomic_fetch_add(&n_requests, 1);
    csc_scope_token_t tok;
    csc_push_isolation_scope(&tok);
    csc_scope_t *iso = csc_isolation_scope();
    int session = csc_start_request_session(iso) == CSC_OK;
    char name[64];
    snprintf(name, sizeof name, "GET %s", route);
    csc_transaction_options_t to = CSC_TRANSACTION_OPTIONS_INIT;
    to.name = name;
    to.op = "http.server";
    to.source = "route";
    csc_span_t *tx = csc_transaction_start(&to);
    csc_scope_bind_span(csc_current_scope(), tx);
    csc_scope_set_tag(iso, "soak.route", route);
    csc_breadcrumb_t crumb = {.type = "default", .category = "soak", .message = path, .level = CSC_LEVEL_INFO};
    csc_scope_add_breadcrumb(iso, &crumb);
    csc_span_t *db = csc_span_start_child(tx, "db.query", "SELECT 1");
    csc_span_finish(db);
    csc_span_release(db);
    int status = 200;
    char id[33] = "";
    if (route[1] == 'f') {
        char value[96];
        snprintf(value, sizeof value, "request %s failed", arg);
        took(csc_capture_exception_here("SoakError", value, NULL, id), &n_errors, 1);
        status = 500;
    } else if (route[1] == 'u') {
        csc_scope_t *extra = csc_scope_new();
        static char blob[ATTACHMENT_BYTES];
        memset(blob, 'a', sizeof blob);
        csc_scope_add_attachment_bytes(extra, blob, sizeof blob, "upload.txt", "text/plain");
        csc_scopes_t scopes = {csc_global_scope(), iso, csc_current_scope(), extra};
        if (took(csc_capture_message("upload rejected", CSC_LEVEL_ERROR, &scopes, id), &n_errors, 1))
            atomic_fetch_add(&n_attachment_bytes, ATTACHMENT_BYTES);
        csc_scope_release(extra);
    } else if (route[1] == 'j') {
        char check_in_id[33] = "";
        took(csc_capture_check_in("soak-job", CSC_CHECK_IN_IN_PROGRESS, CSC_NO_DURATION, NULL, check_in_id),
             &n_check_ins, 1);
        took(csc_capture_check_in("soak-job", CSC_CHECK_IN_OK, 0.001, NULL, check_in_id), &n_check_ins, 1);
    }
    csc_span_set_http_status(tx, status);
    if (took(csc_span_finish(tx), &n_transactions, 1)) atomic_fetch_add(&n_spans, 2); /* the child + itself */
    csc_scope_bind_span(csc_current_scope(), NULL);
    csc_span_release(tx);
    if (session) took(csc_end_request_session(iso, CSC_SESSION_EXITED), &n_sessions, 1);
    csc_pop_isolation_scope(&tok);
    snprintf(body, body_size, "%s %s\n", status == 200 ? "ok" : "failed", arg);
    return status;
}

static void counters_json(char *out, size_t size) {
    snprintf(out, size,
             "{\"requests\": %ld, \"captured\": {\"error\": %ld, \"transaction\": %ld, \"span\": %ld, "
             "\"attachment\": %ld, \"session\": %ld, \"monitor\": %ld}, \"refused\": %ld}",
             atomic_load(&n_requests), atomic_load(&n_errors), atomic_load(&n_transactions), atomic_load(&n_spans),
             atomic_load(&n_attachment_bytes), atomic_load(&n_sessions), atomic_load(&n_check_ins),
             atomic_load(&n_refused));
}

/* One keep-alive connection: GET requests without bodies, answered in order. */
static void *connection_main(void *arg) {
    int fd = (int)(intptr_t)arg;
    char buf[8192];
    size_t have = 0;
    for (;;) {
        char *end = have ? memmem(buf, have, "\r\n\r\n", 4) : NULL;
        if (!end) {
            if (have == sizeof buf) break;
            struct pollfd p = {fd, POLLIN, 0};
            int pr = poll(&p, 1, 200);
            if (pr == 0) {
                if (atomic_load(&stopping)) break; /* idle at shutdown */
                continue;
            }
            ssize_t n = pr > 0 ? read(fd, buf + have, sizeof buf - have) : -1;
            if (n <= 0) break;
            have += (size_t)n;
            continue;
        }
        size_t req_len = (size_t)(end - buf) + 4;
        char path[512] = "";
        if (sscanf(buf, "GET %511s HTTP/1.1", path) != 1) break;
        char body[1024];
        int status;
        if (!strcmp(path, "/stats")) {
            counters_json(body, sizeof body);
            status = 200;
        } else {
            status = handle(path, body, sizeof body);
        }
        char resp[1400];
        int n = snprintf(resp, sizeof resp,
                         "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nContent-Type: text/plain\r\n\r\n%s", status,
                         status == 200   ? "OK"
                         : status == 404 ? "Not Found"
                                         : "Internal Server Error",
                         strlen(body), body);
        if (write(fd, resp, (size_t)n) != n) break;
        memmove(buf, buf + req_len, have - req_len);
        have -= req_len;
    }
    close(fd);
    atomic_fetch_sub(&n_open_connections, 1);
    return NULL;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    int port = 0;
    long queue = 100, shutdown_ms = 2000, drain_ms = -1;
    const char *port_file = NULL, *cache = NULL, *dsn = getenv("SOAK_DSN");
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port"))
            port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--port-file"))
            port_file = argv[i + 1];
        else if (!strcmp(argv[i], "--cache"))
            cache = argv[i + 1];
        else if (!strcmp(argv[i], "--queue"))
            queue = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--shutdown-ms"))
            shutdown_ms = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--drain"))
            drain_ms = atol(argv[i + 1]);
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!dsn) {
        fprintf(stderr, "SOAK_DSN not set\n");
        return 2;
    }
    csc_options_t *o = csc_options_new();
    csc_options_set_dsn(o, dsn);
    csc_options_set_release(o, "soak@1.0.0");
    csc_options_set_environment(o, "soak");
    csc_options_set_server_name(o, "soak-host");
    csc_options_set_traces_sample_rate(o, 1.0);
    csc_options_set_max_queue_size(o, (size_t)queue);
    csc_options_set_shutdown_timeout(o, (uint32_t)shutdown_ms);
    csc_options_set_crash_handler(o, false);
    csc_options_set_debug(o, getenv("SOAK_DEBUG") != NULL);
    if (cache) csc_options_set_cache_dir(o, cache);
    if (csc_init(o) != CSC_OK) {
        fprintf(stderr, "csc_init failed\n");
        return 1;
    }
    if (drain_ms >= 0) {
        int rc = csc_flush((uint32_t)drain_ms);
        csc_close();
        printf("{\"drain_flush_rc\": %d}\n", rc);
        return 0;
    }

    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 128) != 0) {
        perror("soak_server: bind/listen");
        return 1;
    }
    socklen_t alen = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &alen);
    if (pipe(wake_pipe) != 0) return 1;
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fprintf(f, "%d", ntohs(a.sin_port));
            fclose(f);
            rename(tmp, port_file);
        }
    }
    fprintf(stderr, "soak_server: listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    while (!atomic_load(&stopping)) {
        struct pollfd p[2] = {{ls, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR) break;
        if (!(p[0].revents & POLLIN)) continue;
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) continue;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        atomic_fetch_add(&n_open_connections, 1);
        if (pthread_create(&th, &attr, connection_main, (void *)(intptr_t)fd) != 0) {
            atomic_fetch_sub(&n_open_connections, 1);
            close(fd);
        }
        pthread_attr_destroy(&attr);
    }
    close(ls);
    int64_t t0 = now_ms();
    while (atomic_load(&n_open_connections) > 0 && now_ms() - t0 < 5000) usleep(10000); /* open requests end */
    int64_t c0 = now_ms();
    csc_close();
    char counters[1024];
    counters_json(counters, sizeof counters);
    counters[strlen(counters) - 1] = 0;
    printf("%s, \"close_ms\": %lld, \"open_connections_left\": %ld}\n", counters, (long long)(now_ms() - c0),
           atomic_load(&n_open_connections));
    fflush(stdout);
    return 0;
}

/*
 * transport_bench: the HTTP transport end to end (issue #4).
 *
 * Starts a minimal HTTP sink in-process (a listener thread and one thread per connection;
 * HTTP/1.1 keep-alive; answers 200 to POST /api/<id>/envelope/ and counts the envelopes),
 * points the SDK's DSN at it, and measures
 *   - throughput: events per second delivered end to end (the first capture -> the sink has
 *     received the last envelope), for a small event and for the representative event of
 *     csc_bench (10 tags, 100 breadcrumbs, user, 2 contexts: ~20 KB of JSON);
 *   - caller latency: p50/p99/max of each capture_message call on the calling thread while
 *     the worker is busy sending a backlog.
 *
 * Usage: transport_bench [--json] [--quick]
 *        transport_bench --sink     only the sink: prints its port, serves until killed
 *                                   (scripts/bench.sh points the Swift benchmark at it)
 */
#define _GNU_SOURCE
#include <cscope.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static bool g_json;
static atomic_long g_received, g_bad, g_bytes;
static atomic_int g_connections;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ------------------------------------------------------------ the sink */

static bool send_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Content-Length of the header block h[0..n), -1 when absent. */
static long content_length(const char *h, size_t n) {
    static const char k[] = "\r\ncontent-length:";
    for (size_t i = 0; i + sizeof k - 1 < n; i++)
        if (strncasecmp(h + i, k, sizeof k - 1) == 0) return strtol(h + i + sizeof k - 1, NULL, 10);
    return -1;
}

static bool is_envelope_post(const char *h, size_t n) {
    if (n < 6 || memcmp(h, "POST /api/", 10) != 0) return false;
    const char *sp = memchr(h + 5, ' ', n - 5);
    if (!sp) return false;
    size_t plen = (size_t)(sp - (h + 5));
    static const char suf[] = "/envelope/";
    const char *path = h + 5;
    /* /api/<id>/envelope/ with an optional query string */
    const char *q = memchr(path, '?', plen);
    if (q) plen = (size_t)(q - path);
    return plen > 4 + sizeof suf - 1 && memcmp(path + plen - (sizeof suf - 1), suf, sizeof suf - 1) == 0;
}

static void *conn_main(void *arg) {
    int fd = (int)(intptr_t)arg;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    atomic_fetch_add(&g_connections, 1);
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
    static const char bad[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = recv(fd, buf + len, cap - len, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        len += (size_t)r;
        for (;;) { /* every complete request in the buffer */
            char *end = memmem(buf, len, "\r\n\r\n", 4);
            if (!end) break;
            size_t hlen = (size_t)(end - buf) + 4;
            long cl = content_length(buf, hlen);
            if (cl < 0) cl = 0;
            if (len < hlen + (size_t)cl) break;
            bool good = is_envelope_post(buf, hlen);
            if (good) {
                atomic_fetch_add(&g_bytes, cl);
                atomic_fetch_add(&g_received, 1);
            } else {
                atomic_fetch_add(&g_bad, 1);
            }
            if (!send_all(fd, good ? ok : bad, good ? sizeof ok - 1 : sizeof bad - 1)) goto done;
            size_t used = hlen + (size_t)cl;
            memmove(buf, buf + used, len - used);
            len -= used;
        }
    }
done:
    free(buf);
    close(fd);
    return NULL;
}

static void *listener_main(void *arg) {
    int lfd = (int)(intptr_t)arg;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            break;
        }
        pthread_t th;
        if (pthread_create(&th, NULL, conn_main, (void *)(intptr_t)fd) == 0)
            pthread_detach(th);
        else
            close(fd);
    }
    return NULL;
}

static int start_sink(void) {
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) || listen(lfd, 64)) {
        perror("sink");
        exit(1);
    }
    socklen_t al = sizeof a;
    getsockname(lfd, (struct sockaddr *)&a, &al);
    pthread_t th;
    pthread_create(&th, NULL, listener_main, (void *)(intptr_t)lfd);
    pthread_detach(th);
    return ntohs(a.sin_port);
}

/* ------------------------------------------------------------ fixture */

static void add_crumb(csc_scope_t *s) {
    csc_kv_t data[2] = {CSC_KV_STR("url", "/checkout?step=2"), CSC_KV_INT64("status_code", 200)};
    csc_breadcrumb_t b = {.message = "Clicked checkout button",
                          .category = "ui.click",
                          .level = CSC_LEVEL_INFO,
                          .data = data,
                          .data_count = 2};
    csc_scope_add_breadcrumb(s, &b);
}

static void populate(csc_scope_t *s, int crumbs) {
    csc_scope_clear(s);
    for (int i = 0; i < 10; i++) {
        char k[16], v[40];
        snprintf(k, sizeof k, "tag_%d", i);
        snprintf(v, sizeof v, "representative-tag-value-%d", i);
        csc_scope_set_tag(s, k, v);
    }
    for (int i = 0; i < crumbs; i++) add_crumb(s);
    csc_scope_set_user(s, json_pack("{s:s,s:s,s:s,s:s}", "id", "12345", "username", "jane.doe", "email",
                                    "jane.doe@example.com", "ip_address", "203.0.113.7"));
    csc_scope_set_context(s, "checkout", json_pack("{s:s,s:i,s:f}", "cart_id", "cart-8842", "items", 3, "total", 99.5));
    csc_scope_set_context(s, "feature_flags", json_pack("{s:b,s:b}", "new_ui", 1, "beta", 0));
}

static void capture(void) {
    csc_capture_message("Something went wrong while processing order 12345", CSC_LEVEL_ERROR, NULL, NULL);
}

/* Waits until the sink has `target` envelopes (at most timeout_s); returns the time it did. */
static double wait_received(long target, double timeout_s) {
    double limit = now_ns() + timeout_s * 1e9;
    while (atomic_load(&g_received) < target && now_ns() < limit) {
        struct timespec ts = {0, 500000}; /* 0.5 ms: polling must not steal the CPUs it measures */
        nanosleep(&ts, NULL);
    }
    return now_ns();
}

static void throughput(const char *key, const char *label, long n) {
    long base = atomic_load(&g_received);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) capture();
    double t_cap = now_ns();
    long left = base + n - atomic_load(&g_received);
    double t1 = wait_received(base + n, 60);
    long got = atomic_load(&g_received) - base;
    double secs = (t1 - t0) / 1e9;
    double eps = (double)got / secs;
    double cap_rate = (double)n / ((t_cap - t0) / 1e9);
    /* after the last capture the worker and the sink have the CPUs to themselves */
    double drain = left > n / 10 ? (double)left / ((t1 - t_cap) / 1e9) : 0;
    if (g_json)
        printf("{\"op\":\"%s\",\"label\":\"%s\",\"events_per_s\":%.0f,\"delivered\":%ld,\"captured\":%ld,"
               "\"seconds\":%.3f,\"capture_rate\":%.0f,\"drain_rate\":%.0f}\n",
               key, label, eps, got, n, secs, cap_rate, drain);
    else
        printf("%-58s %9.0f ev/s delivered (%ld/%ld in %.2f s; captures alone %.0f/s; worker alone %.0f/s)\n", label,
               eps, got, n, secs, cap_rate, drain);
    fflush(stdout);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Captures `backlog` events to keep the worker busy, then times `n` captures one by one. */
static void latency(const char *key, const char *label, long backlog, long n) {
    long base = atomic_load(&g_received);
    for (long i = 0; i < backlog; i++) capture();
    double *lat = malloc(sizeof(double) * (size_t)n);
    long during0 = atomic_load(&g_received);
    for (long i = 0; i < n; i++) {
        double t0 = now_ns();
        capture();
        lat[i] = (now_ns() - t0) / 1000.0;
    }
    long during = atomic_load(&g_received) - during0;
    long outstanding = base + backlog + n - atomic_load(&g_received);
    qsort(lat, (size_t)n, sizeof *lat, cmp_d);
    double p50 = lat[n / 2], p99 = lat[(long)(n * 0.99)], mx = lat[n - 1];
    if (g_json)
        printf("{\"op\":\"%s\",\"label\":\"%s\",\"p50\":%.2f,\"p99\":%.2f,\"max\":%.2f,\"n\":%ld,"
               "\"delivered_meanwhile\":%ld,\"still_queued_after\":%ld}\n",
               key, label, p50, p99, mx, n, during, outstanding);
    else
        printf("%-58s p50 %.2f us  p99 %.2f us  max %.2f us (n=%ld; sink got %ld meanwhile, %ld still queued)\n", label,
               p50, p99, mx, n, during, outstanding);
    fflush(stdout);
    free(lat);
    wait_received(base + backlog + n, 60);
}

static size_t discard(char *p, size_t s, size_t n, void *ud) {
    (void)p;
    (void)ud;
    return s * n;
}

/* The floor under one connection: back-to-back POSTs of a small body with plain libcurl on one
 * keep-alive connection to the same sink (no SDK): requests/s = 1 / round trip. */
static void round_trip(int port, long n) {
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/42/envelope/", port);
    static char body[700];
    memset(body, 'x', sizeof body);
    CURL *e = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)sizeof body);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    for (long i = 0; i < n / 10; i++) curl_easy_perform(e);
    double t0 = now_ns();
    for (long i = 0; i < n; i++) curl_easy_perform(e);
    double us = (now_ns() - t0) / 1000.0 / (double)n;
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    if (g_json)
        printf("{\"op\":\"round_trip\",\"label\":\"plain libcurl POST round trip, 1 keep-alive connection\","
               "\"us\":%.1f,\"per_s\":%.0f}\n",
               us, 1e6 / us);
    else
        printf("%-58s %.1f us (%.0f requests/s)\n", "plain libcurl POST round trip, 1 keep-alive connection", us,
               1e6 / us);
    fflush(stdout);
}

int main(int argc, char **argv) {
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) g_json = true;
        if (!strcmp(argv[i], "--quick")) quick = true;
    }
    long scale = quick ? 4 : 1;
    int port = start_sink();
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--sink")) {
            printf("%d\n", port);
            fflush(stdout);
            for (;;) pause();
        }
    char dsn[128];
    snprintf(dsn, sizeof dsn, "http://public@127.0.0.1:%d/42", port);
    csc_options_t *o = csc_options_new();
    csc_options_set_dsn(o, dsn);
    csc_options_set_release(o, "bench@1.0.0");
    csc_options_set_environment(o, "production");
    csc_options_set_max_queue_size(o, 100000);
    csc_options_set_crash_handler(o, false);
    if (csc_init(o) != CSC_OK) {
        fprintf(stderr, "csc_init failed\n");
        return 1;
    }
    csc_scope_t *iso = csc_isolation_scope();

    round_trip(port, 10000 / scale);
    atomic_store(&g_received, 0);

    /* warm-up: the connection and the allocator */
    populate(iso, 0);
    throughput("warmup", "warm-up", 500);

    populate(iso, 0);
    throughput("throughput_small", "events/s delivered, small event (10 tags, user, 2 ctx)", 40000 / scale);
    populate(iso, 100);
    throughput("throughput_representative", "events/s delivered, representative event (+100 crumbs)", 20000 / scale);

    populate(iso, 0);
    latency("latency_small", "capture latency, worker busy, small event", 5000 / scale, 20000 / scale);
    populate(iso, 100);
    latency("latency_representative", "capture latency, worker busy, representative event", 2000 / scale,
            10000 / scale);

    long bad = atomic_load(&g_bad);
    if (!g_json)
        printf("sink: %ld envelopes, %ld other requests, %d connection(s), %.1f MB received\n",
               atomic_load(&g_received), bad, atomic_load(&g_connections), atomic_load(&g_bytes) / 1e6);
    else
        printf("{\"op\":\"sink\",\"envelopes\":%ld,\"other_requests\":%ld,\"connections\":%d,\"bytes\":%ld}\n",
               atomic_load(&g_received), bad, atomic_load(&g_connections), atomic_load(&g_bytes));
    csc_close();
    return 0;
}

/* test_transport_unit: fast checks of the transport's pure parts that the table test
 * (test_transport_vectors.c) does not cover: how several rate-limit entries combine, a
 * shorter limit that does not shorten, Retry-After ignored outside 429, cache-file parsing,
 * the client-report payload, gzip, disk-cache bounds. Links the static library's internal
 * symbols. (Until issue 14 this was Tests/EndToEndTests/transport_unit.c, run only by
 * scripts/test-e2e.sh.) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "event/envelope_internal.h"
#include "transport/client_report.h"
#include "transport/disk_cache.h"
#include "transport/gzip.h"
#include "transport/queue.h"
#include "transport/ratelimit.h"

#include "testlib.h"

static void test_rate_limits(void) {
    csc__ratelimits_t rl = {0};
    int64_t now = 1000000;
    csc__rl_update(&rl, 200, "60:error;transaction:key:quota, 2.5:attachment:org, 10::organization", NULL, now);
    CHECK(csc__rl_until(&rl, "error") == now + 60000);
    CHECK(csc__rl_until(&rl, "default") == now + 10000); /* default is its own category: only the "all" limit */
    CHECK(csc__rl_until(&rl, "transaction") == now + 60000);
    CHECK(csc__rl_until(&rl, "attachment") == now + 10000); /* the "all" limit is longer */
    CHECK(csc__rl_until(&rl, "session") == now + 10000);
    CHECK(!csc__rl_limited(&rl, "session", now + 10000));

    csc__ratelimits_t r2 = {0};
    csc__rl_update(&r2, 200, "30:error:key", NULL, now);
    CHECK(csc__rl_limited(&r2, "error", now) && !csc__rl_limited(&r2, "attachment", now) &&
          !csc__rl_limited(&r2, "default", now));
    csc__rl_update(&r2, 200, "5:error:key", NULL, now); /* a shorter limit does not shorten */
    CHECK(csc__rl_until(&r2, "error") == now + 30000);

    /* (a 429 with only Retry-After, or a bare 429: rows of test_transport_vectors.c) */
    csc__ratelimits_t r5 = {0};
    csc__rl_update(&r5, 429, "3:metric_bucket:organization:quota:custom", "100",
                   now); /* header wins over Retry-After */
    CHECK(csc__rl_until(&r5, "metric_bucket") == now + 3000 && !csc__rl_limited(&r5, "error", now));
    csc__ratelimits_t r6 = {0};
    csc__rl_update(&r6, 200, "garbage:error", NULL, now); /* an unparsable entry is skipped (issue 16) */
    CHECK(!csc__rl_limited(&r6, "error", now) && !csc__rl_limited(&r6, "session", now));
    csc__ratelimits_t r7 = {0};
    csc__rl_update(&r7, 500, NULL, "5", now); /* Retry-After only counts on 429 */
    CHECK(!csc__rl_limited(&r7, "error", now));
}

static const char k_env[] = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"trace\":{\"trace_id\":\"abc\"}}\n"
                            "{\"type\":\"event\",\"length\":13}\n{\"message\":1}\n"
                            "{\"type\":\"attachment\",\"length\":3,\"filename\":\"a.txt\"}\nx\ny\n"
                            "{\"type\":\"client_report\"}\n{\"discarded_events\":[]}\n";

static void test_envelope_parse(void) {
    csc_envelope_t *env = csc__envelope_parse(k_env, sizeof k_env - 1);
    CHECK(env && env->count == 3);
    if (env) {
        CHECK(strcmp(env->event_id, "9ec79c33ec9942ab8353589fcb2e04dc") == 0);
        CHECK(env->trace_json && strstr(env->trace_json, "\"abc\""));
        CHECK(env->items[1].len == 3 && memcmp(env->items[1].payload, "x\ny", 3) == 0);
        CHECK(env->items[1].filename && strcmp(env->items[1].filename, "a.txt") == 0);
        CHECK(strcmp(env->items[2].type, "client_report") == 0 && env->items[2].len == 23);
        csc_envelope_free(env);
    }
    size_t at = (size_t)(strstr(k_env, "{\"message\"") - k_env);
    for (size_t cut = 1; cut < sizeof k_env - 1; cut++) { /* every truncation inside a length'd payload fails */
        csc_envelope_t *e = csc__envelope_parse(k_env, cut);
        bool inside_event = cut >= at && cut < at + 13;
        if (inside_event) CHECK(e == NULL);
        csc_envelope_free(e);
    }
    CHECK(csc__envelope_parse("not json\n", 9) == NULL);
    CHECK(csc__envelope_parse("{\"event_id\":\"xyz\"}\n", 19) == NULL);
    CHECK(csc__envelope_parse("{}\n{\"length\":2}\n{}\n", 19) == NULL); /* item without type */
    /* a cached transaction knows its spans again: its loss counts them + 1 as `span`s */
    static const char tx[] = "{}\n{\"type\":\"transaction\"}\n{\"type\":\"transaction\",\"spans\":[{},{},{}]}\n";
    env = csc__envelope_parse(tx, sizeof tx - 1);
    CHECK(env && env->count == 1 && env->spans == 3);
    csc_envelope_free(env);
}

/* A batch item's item_count survives serialization and a read back (the disk cache). */
static void test_item_count_round_trip(void) {
    static const char k_log[] = "{}\n{\"type\":\"log\",\"content_type\":\"application/vnd.sentry.items.log+json\","
                                "\"item_count\":37,\"length\":12}\n{\"items\":[]}\n";
    csc_envelope_t *env = csc__envelope_parse(k_log, sizeof k_log - 1);
    CHECK(env && env->count == 1 && env->items[0].item_count == 37);
    size_t n = 0;
    const char *s = env ? csc_envelope_serialize(env, &n) : NULL;
    static const char k_head[] = "\"item_count\":37,\"length\":12}";
    CHECK(s && memmem(s, n, k_head, sizeof k_head - 1));
    csc_envelope_t *back = s ? csc__envelope_parse(s, n) : NULL;
    CHECK(back && back->items[0].item_count == 37);
    csc_envelope_free(back);
    csc_envelope_free(env);
}

static void test_client_report(void) {
    csc__reports_t r;
    csc__reports_init(&r, true);
    CHECK(csc__reports_take_json(&r, NULL) == NULL);
    csc__reports_record(&r, "queue_overflow", "error", 3);
    csc__reports_record(&r, "queue_overflow", "error", 2);
    csc__reports_record(&r, "ratelimit_backoff", "attachment", 100);
    size_t len = 0;
    char *s = csc__reports_take_json(&r, &len);
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;
    json_t *d = json_object_get(j, "discarded_events");
    CHECK(json_is_number(json_object_get(j, "timestamp")) && json_array_size(d) == 2);
    CHECK(json_integer_value(json_object_get(json_array_get(d, 0), "quantity")) == 5);
    CHECK(strcmp(json_string_value(json_object_get(json_array_get(d, 1), "category")), "attachment") == 0);
    CHECK(!csc__reports_pending(&r)); /* taken */
    /* a report whose envelope was lost is counted again (restore), malformed entries skipped */
    csc__reports_restore(&r, s, len);
    csc__reports_record(&r, "queue_overflow", "error", 1);
    static const char junk[] = "{\"discarded_events\": [{\"reason\": \"x\"}, 7, {\"reason\": \"send_error\", "
                               "\"category\": \"error\", \"quantity\": -2}]}";
    csc__reports_restore(&r, junk, sizeof junk - 1);
    csc__reports_restore(&r, "not json", 8);
    json_decref(j);
    free(s);
    s = csc__reports_take_json(&r, &len);
    j = s ? json_loads(s, 0, NULL) : NULL;
    d = json_object_get(j, "discarded_events");
    CHECK(json_array_size(d) == 2);
    CHECK(json_integer_value(json_object_get(json_array_get(d, 0), "quantity")) == 6);
    CHECK(json_integer_value(json_object_get(json_array_get(d, 1), "quantity")) == 100);
    json_decref(j);
    free(s);
    csc__reports_destroy(&r);
    csc__reports_init(&r, false);
    csc__reports_record(&r, "queue_overflow", "error", 1);
    CHECK(!csc__reports_pending(&r)); /* send_client_reports off: nothing counted */
    csc__reports_destroy(&r);
}

static void test_gzip(void) {
    const char *text = "hello hello hello hello hello hello";
    size_t zlen = 0;
    char *z = csc__gzip(text, strlen(text), &zlen);
    CHECK(z && (unsigned char)z[0] == 0x1f && (unsigned char)z[1] == 0x8b);
    char out[128];
    z_stream zs = {0};
    inflateInit2(&zs, 15 + 16);
    zs.next_in = (Bytef *)z;
    zs.avail_in = (uInt)zlen;
    zs.next_out = (Bytef *)out;
    zs.avail_out = sizeof out;
    CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == strlen(text) &&
          memcmp(out, text, strlen(text)) == 0);
    inflateEnd(&zs);
    free(z);
}

static int evicted;
static void on_evict(const char *d, size_t n, void *ud) { evicted++; }

static void test_disk_cache(void) {
    char dir[] = "/tmp/csc-unit-cacheXXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/a/b", dir); /* created with parents */
    csc__cache_t *c = csc__cache_open(sub, 3, 1000);
    CHECK(c != NULL);
    for (int i = 0; i < 5; i++) {
        char body[16];
        snprintf(body, sizeof body, "env %d", i);
        CHECK(csc__cache_store(c, body, strlen(body), on_evict, NULL) == 0);
    }
    CHECK(csc__cache_count(c) == 3 && evicted == 2);
    char path[4096], *data = NULL;
    size_t len = 0;
    CHECK(csc__cache_oldest(c, path, sizeof path) && csc__cache_read(path, &data, &len) == 0);
    CHECK(data && strcmp(data, "env 2") == 0); /* the two oldest were evicted */
    free(data);
    char big[2000] = {0};
    CHECK(csc__cache_store(c, big, sizeof big, on_evict, NULL) == -1); /* larger than max bytes */
    while (csc__cache_oldest(c, path, sizeof path)) csc__cache_remove(path);
    csc__cache_close(c);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    CHECK(system(path) == 0);
}

/* The bounded queue holds exactly maxQueueSize envelopes, first in first out, across wrap-around. */
static void test_queue_bounds(void) {
    csc__queue_t q;
    CHECK(csc__queue_init(&q, 3));
    csc_envelope_t *e[5];
    for (int i = 0; i < 5; i++) e[i] = csc__envelope_parse(k_env, sizeof k_env - 1);
    for (int round = 0; round < 2; round++) { /* the second round wraps around the slots */
        CHECK(csc__queue_push(&q, e[0]) && csc__queue_push(&q, e[1]));
        CHECK(csc__queue_push(&q, e[2]));
        CHECK(!csc__queue_push(&q, e[3])); /* full: refused, the caller keeps it */
        CHECK(csc__queue_pop(&q) == e[0]);
        CHECK(csc__queue_push(&q, e[3]));
        CHECK(!csc__queue_push(&q, e[4]));
        CHECK(csc__queue_pop(&q) == e[1] && csc__queue_pop(&q) == e[2] && csc__queue_pop(&q) == e[3]);
        CHECK(csc__queue_pop(&q) == NULL);
    }
    CHECK(csc__queue_push(&q, e[4])); /* destroy frees what is still queued */
    csc__queue_destroy(&q);
    for (int i = 0; i < 4; i++) csc_envelope_free(e[i]);
}

/* ------------------------------------------------------------ envelope URL with a path prefix */

/* A one-request HTTP endpoint on 127.0.0.1: records the request line and X-Sentry-Auth, answers 200. */
typedef struct {
    int fd;
    char request_line[512];
    char auth[512];
} http_one_t;

static void *http_one_serve(void *arg) {
    http_one_t *h = arg;
    int c = accept(h->fd, NULL, NULL);
    if (c < 0) return NULL;
    char buf[16384];
    size_t n = 0;
    long body = -1;
    for (;;) { /* headers, then Content-Length bytes of body */
        ssize_t r = recv(c, buf + n, sizeof buf - 1 - n, 0);
        if (r <= 0) break;
        n += (size_t)r;
        buf[n] = 0;
        char *end = strstr(buf, "\r\n\r\n");
        if (!end) {
            if (n == sizeof buf - 1) break;
            continue;
        }
        if (body < 0) {
            char *cl = strcasestr(buf, "\r\ncontent-length:");
            body = cl ? strtol(cl + 17, NULL, 10) : 0;
        }
        if ((long)(n - (size_t)(end + 4 - buf)) >= body || n == sizeof buf - 1) break;
    }
    char *eol = strstr(buf, "\r\n");
    if (eol) snprintf(h->request_line, sizeof h->request_line, "%.*s", (int)(eol - buf), buf);
    char *a = strcasestr(buf, "\r\nx-sentry-auth:");
    if (a) {
        a += 2;
        char *e = strstr(a, "\r\n");
        snprintf(h->auth, sizeof h->auth, "%.*s", e ? (int)(e - a) : 0, a);
    }
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)!send(c, ok, sizeof ok - 1, 0);
    close(c);
    return NULL;
}

/* Captures through the HTTP transport with the DSN `http://key@127.0.0.1:<port><path>`; returns the request line. */
static void capture_to_prefix(const char *path, char *request_line, size_t cap, char *auth, size_t auth_cap) {
    http_one_t h = {.fd = socket(AF_INET, SOCK_STREAM, 0)};
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    CHECK(h.fd >= 0 && bind(h.fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(h.fd, 4) == 0 &&
          getsockname(h.fd, (struct sockaddr *)&sa, &sl) == 0);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, http_one_serve, &h) == 0);
    char dsn[256];
    snprintf(dsn, sizeof dsn, "http://pubkey@127.0.0.1:%d%s", ntohs(sa.sin_port), path);
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_dsn(o, dsn);
    (void)csc_options_set_send_client_reports(o, false);
    CHECK_EQ_INT(csc_init(o), CSC_OK);
    CHECK_EQ_INT(csc_capture_message("prefixed", CSC_LEVEL_INFO, NULL, NULL), CSC_OK);
    CHECK_EQ_INT(csc_flush(5000), CSC_OK);
    CHECK_EQ_INT(csc_close(), CSC_OK);
    shutdown(h.fd, SHUT_RDWR); /* unblocks accept if nothing came */
    pthread_join(th, NULL);
    close(h.fd);
    snprintf(request_line, cap, "%s", h.request_line);
    snprintf(auth, auth_cap, "%s", h.auth);
}

/* The envelope goes to {path prefix}/api/{project}/envelope/ (the Python SDK's Dsn.get_api_url). */
static void test_envelope_url_with_path_prefix(void) {
    char line[512], auth[512];
    setenv("no_proxy", "127.0.0.1", 1); /* libcurl would send it to an http_proxy of the environment */
    capture_to_prefix("/prefix/path/42", line, sizeof line, auth, sizeof auth);
    CHECK_STR(line, "POST /prefix/path/api/42/envelope/ HTTP/1.1");
    CHECK(strstr(auth, "sentry_key=pubkey") != NULL);
    capture_to_prefix("/sentry/7/", line, sizeof line, auth, sizeof auth); /* trailing slash dropped */
    CHECK_STR(line, "POST /sentry/api/7/envelope/ HTTP/1.1");
    capture_to_prefix("/42", line, sizeof line, auth, sizeof auth); /* no prefix */
    CHECK_STR(line, "POST /api/42/envelope/ HTTP/1.1");
}

int main(void) {
    RUN(test_rate_limits);
    RUN(test_envelope_parse);
    RUN(test_item_count_round_trip);
    RUN(test_client_report);
    RUN(test_gzip);
    RUN(test_disk_cache);
    RUN(test_queue_bounds);
    RUN(test_envelope_url_with_path_prefix);
    return TL_DONE();
}

/* transport_unit: fast checks of the transport's pure parts (rate-limit header parsing,
 * cache-file parsing, client-report payload, gzip, disk-cache bounds). Links the static
 * library's internal symbols. Run by scripts/test-e2e.sh before the e2e cases. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../../Sources/CScopeCore/envelope_internal.h"
#include "../../Sources/CScopeCore/transport/client_report.h"
#include "../../Sources/CScopeCore/transport/disk_cache.h"
#include "../../Sources/CScopeCore/transport/gzip.h"
#include "../../Sources/CScopeCore/transport/ratelimit.h"

static int failures;
#define CHECK(c) do { if (!(c)) { failures++; fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)

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
    CHECK(csc__rl_limited(&r2, "error", now) && !csc__rl_limited(&r2, "attachment", now) && !csc__rl_limited(&r2, "default", now));
    csc__rl_update(&r2, 200, "5:error:key", NULL, now); /* a shorter limit does not shorten */
    CHECK(csc__rl_until(&r2, "error") == now + 30000);

    csc__ratelimits_t r3 = {0};
    csc__rl_update(&r3, 429, NULL, "7", now);
    CHECK(csc__rl_until(&r3, "anything") == now + 7000);
    csc__ratelimits_t r4 = {0};
    csc__rl_update(&r4, 429, "", "", now); /* bare 429: 60 s for all */
    CHECK(csc__rl_until(&r4, "error") == now + 60000);
    csc__ratelimits_t r5 = {0};
    csc__rl_update(&r5, 429, "3:metric_bucket:organization:quota:custom", "100", now); /* header wins over Retry-After */
    CHECK(csc__rl_until(&r5, "metric_bucket") == now + 3000 && !csc__rl_limited(&r5, "error", now));
    csc__ratelimits_t r6 = {0};
    csc__rl_update(&r6, 200, "garbage:error", NULL, now); /* an unparsable entry is skipped (issue 16) */
    CHECK(!csc__rl_limited(&r6, "error", now) && !csc__rl_limited(&r6, "session", now));
    csc__ratelimits_t r7 = {0};
    csc__rl_update(&r7, 500, NULL, "5", now); /* Retry-After only counts on 429 */
    CHECK(!csc__rl_limited(&r7, "error", now));
}

static const char k_env[] =
    "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"trace\":{\"trace_id\":\"abc\"}}\n"
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
    zs.next_in = (Bytef *)z; zs.avail_in = (uInt)zlen; zs.next_out = (Bytef *)out; zs.avail_out = sizeof out;
    CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == strlen(text) && memcmp(out, text, strlen(text)) == 0);
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

int main(void) {
    test_rate_limits();
    test_envelope_parse();
    test_client_report();
    test_gzip();
    test_disk_cache();
    printf("%s transport_unit (%d failures)\n", failures ? "FAIL" : "PASS", failures);
    return failures != 0;
}

/*
 * test_memory.c: memory stays bounded under repetition. Overwriting one tag
 * 10 million times, 100,000 captures, a million forks and breadcrumbs: the
 * resident set size (/proc/self/statm) after the loop may exceed the one after
 * a warm-up only by a small fixed slack. A leak or an arena that never reuses
 * garbage grows by tens or hundreds of MB here.
 */
#include <unistd.h>

#include "testlib.h"

#if defined(__SANITIZE_ADDRESS__)
/* ASan's quarantine keeps freed memory resident on purpose; keep it tiny here so RSS means something. */
const char *__asan_default_options(void) { return "quarantine_size_mb=1:thread_local_quarantine_size_kb=64"; }
#define SLACK_KB (16 * 1024)
#else
#define SLACK_KB (4 * 1024)
#endif

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void check_growth(const char *what, long before, long after) {
    fprintf(stderr, "  %s: RSS %ld kB -> %ld kB (%+ld kB)\n", what, before, after, after - before);
    CHECK(before > 0 && after > 0);
    if (after - before > SLACK_KB) TL_FAIL_("%s: RSS grew by %ld kB (slack %d kB)", what, after - before, SLACK_KB);
}

static long sent;
static void counting_transport(csc_envelope_t *env, void *ud) {
    (void)ud;
    size_t len = 0;
    if (csc_envelope_serialize(env, &len) && len > 0) sent++;
    csc_envelope_free(env);
}

static void test_tag_overwrite_10m(void) {
    csc_scope_t *s = csc_scope_new();
    char v[32];
    for (long i = 0; i < 200000; i++) {
        snprintf(v, sizeof v, "%ld", i * 7919 % 10000000); /* lengths 1..7 */
        (void)csc_scope_set_tag(s, "key", v);
    }
    long before = rss_kb();
    int bad = 0;
    for (long i = 0; i < 10000000; i++) {
        snprintf(v, sizeof v, "%ld", i * 7919 % 10000000);
        bad += csc_scope_set_tag(s, "key", v) != CSC_OK;
    }
    long after = rss_kb();
    CHECK_EQ_INT(bad, 0);
    json_t *j = csc_scope_to_json(s);
    snprintf(v, sizeof v, "%ld", 9999999L * 7919 % 10000000);
    CHECK_STR(tl_str(j, "tags.key"), v);
    CHECK_EQ_INT(json_object_size(json_object_get(j, "tags")), 1);
    json_decref(j);
    check_growth("10M tag overwrites", before, after);
    csc_scope_release(s);
}

static void fill(csc_scope_t *s, const char *who) {
    char k[32];
    for (int i = 0; i < 8; i++) {
        snprintf(k, sizeof k, "%s_tag%d", who, i);
        (void)csc_scope_set_tag(s, k, "some value");
    }
    (void)csc_scope_set_extra(s, who, json_pack("{s:i,s:s}", "n", 1, "s", "x"));
    (void)csc_scope_set_context(s, who, json_pack("{s:s}", "name", who));
    (void)csc_scope_set_user(s, json_pack("{s:s}", "id", who));
}

static void test_captures_100k(void) {
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_transport(o, counting_transport, NULL);
    (void)csc_options_set_max_breadcrumbs(o, 20);
    CHECK_EQ_INT(csc_init(o), CSC_OK);
    csc_scope_t *g = csc_scope_new(), *i = csc_scope_new(), *c = csc_scope_new();
    fill(g, "g");
    fill(i, "i");
    fill(c, "c");
    csc_scopes_t sc = {g, i, c, NULL};
    int bad = 0;
    long before = 0;
    for (long n = -2000; n < 100000; n++) { /* 2000 warm-up captures, then 100,000 measured */
        if (n == 0) {
            sent = 0;
            before = rss_kb();
        }
        char msg[64];
        snprintf(msg, sizeof msg, "message %ld", n);
        csc_breadcrumb_t b = {.message = msg, .category = "loop", .level = CSC_LEVEL_INFO};
        (void)csc_scope_add_breadcrumb(c, &b); /* the ring stays full: evictions every time */
        (void)csc_scope_set_tag(i, "n", msg);
        bad += csc_capture_message(msg, CSC_LEVEL_NONE, &sc, NULL) != CSC_OK;
    }
    check_growth("100k captures", before, rss_kb());
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(sent, 100000);
    csc_scope_release(g);
    csc_scope_release(i);
    csc_scope_release(c);
}

static void test_fork_and_breadcrumb_churn(void) {
    csc_scope_t *p = csc_scope_new();
    fill(p, "p");
    long before = 0;
    for (long n = 0; n < 1020000; n++) {
        if (n == 20000) before = rss_kb();
        csc_scope_t *f = csc_scope_fork(p);
        (void)csc_scope_set_tag(f, "p_tag3", "changed"); /* copies the tag table */
        csc_breadcrumb_t b = {.message = "crumb", .level = CSC_LEVEL_NONE};
        (void)csc_scope_add_breadcrumb(p, &b);
        csc_scope_release(f);
    }
    check_growth("1M forks + breadcrumbs", before, rss_kb());
    CHECK_EQ_INT(csc_scope_breadcrumb_count(p), 20);
    csc_scope_release(p);
}

int main(void) {
    RUN(test_tag_overwrite_10m);
    RUN(test_captures_100k);
    RUN(test_fork_and_breadcrumb_churn);
    (void)csc_close();
    return TL_DONE();
}

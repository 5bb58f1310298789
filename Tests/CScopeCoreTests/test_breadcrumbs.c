/*
 * test_breadcrumbs.c: the breadcrumb ring of a scope (scope.h, breadcrumbs
 * section; scope-semantics.md §6): defaults, ring size and eviction counting
 * (`_meta.breadcrumbs[""].len` of the captured event), before_breadcrumb,
 * key/value data, timestamps, the need for an initialised client.
 */
#include "testlib.h"

/* Captures a message with `cur` as the only scope; the event (caller owns) or NULL. */
static json_t *capture_with(csc_scope_t *cur) {
    tl_sink_reset();
    csc_scopes_t sc = {.current = cur};
    if (csc_capture_message("m", CSC_LEVEL_NONE, &sc, NULL) != CSC_OK) return NULL;
    return tl_last_event();
}

static json_t *crumb_at(json_t *scope_or_event_json, size_t i) {
    return json_array_get(tl_crumbs(scope_or_event_json), i);
}

static csc_breadcrumb_t msg_crumb(const char *message) {
    csc_breadcrumb_t c;
    memset(&c, 0, sizeof c);
    c.message = message;
    c.level = CSC_LEVEL_NONE;
    return c;
}

/* Runs first, before csc_init. */
static void test_dropped_before_init(void) {
    CHECK(!csc_is_enabled());
    csc_scope_t *s = csc_scope_new();
    csc_breadcrumb_t c = msg_crumb("early");
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &c), CSC_ERR_DISABLED);
    json_t *j = json_pack("{s:s}", "message", "early");
    CHECK_EQ_INT(csc_scope_add_breadcrumb_json(s, j), CSC_ERR_DISABLED);
    json_decref(j);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 0);
    CHECK_EQ_INT(csc_scope_set_tag(s, "kept", "yes"), CSC_OK); /* other setters work before init */
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 0); /* not recorded later either */
    json_t *ev = capture_with(s);
    CHECK(ev != NULL);
    CHECK_EQ_INT(json_array_size(tl_crumbs(ev)), 0);
    CHECK_STR(tl_str(ev, "tags.kept"), "yes");
    json_decref(ev);
    csc_scope_release(s);
}

static void test_dropped_after_close(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_close(), CSC_OK);
    csc_breadcrumb_t c = msg_crumb("late");
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &c), CSC_ERR_DISABLED);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 0);
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &c), CSC_OK);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 1);
    csc_scope_release(s);
}

static void test_defaults(void) {
    csc_scope_t *s = csc_scope_new();
    csc_breadcrumb_t c = msg_crumb("hello");
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &c), CSC_OK);
    json_t *j = csc_scope_to_json(s);
    json_t *b = crumb_at(j, 0);
    CHECK_STR(tl_str(b, "message"), "hello");
    CHECK_STR(tl_str(b, "type"), "default");
    CHECK(json_object_get(b, "level") == NULL);
    CHECK(json_object_get(b, "category") == NULL);
    CHECK(json_object_get(b, "timestamp") != NULL);
    json_decref(j);

    csc_breadcrumb_t d = {.type = "http", .category = "net", .message = "GET", .level = CSC_LEVEL_WARNING};
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &d), CSC_OK);
    json_t *ev = capture_with(s);
    b = crumb_at(ev, 1);
    CHECK_STR(tl_str(b, "type"), "http");
    CHECK_STR(tl_str(b, "category"), "net");
    CHECK_STR(tl_str(b, "level"), "warning");
    b = crumb_at(ev, 0);
    CHECK_STR(tl_str(b, "type"), "default");
    CHECK(json_object_get(b, "level") == NULL);
    json_decref(ev);

    /* a breadcrumb with no field set is ignored */
    csc_breadcrumb_t empty = {.level = CSC_LEVEL_NONE};
    (void)csc_scope_add_breadcrumb(s, &empty);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 2);
    csc_scope_release(s);
}

/* Adds `n` crumbs "c0".."c{n-1}" with increasing timestamps. */
static void add_n(csc_scope_t *s, int n) {
    char m[32];
    for (int i = 0; i < n; i++) {
        snprintf(m, sizeof m, "c%d", i);
        csc_breadcrumb_t c = msg_crumb(m);
        c.timestamp_us = 1700000000000000LL + i * 1000;
        if (csc_scope_add_breadcrumb(s, &c) != CSC_OK) TL_FAIL_("add_breadcrumb %d failed", i);
    }
}

static void check_ring(size_t max) {
    CHECK_EQ_INT(tl_start_default(max), CSC_OK);
    int n = (int)max * 2 + 3;
    csc_scope_t *s = csc_scope_new();
    add_n(s, n);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), (long long)max);
    json_t *ev = capture_with(s);
    CHECK(ev != NULL);
    json_t *vals = tl_crumbs(ev);
    CHECK(vals != NULL); /* "values": [] even when everything was evicted */
    CHECK_EQ_INT(json_array_size(vals), (long long)max);
    char want[32];
    for (size_t i = 0; i < json_array_size(vals) && i < max; i++) {
        snprintf(want, sizeof want, "c%d", n - (int)max + (int)i); /* the newest, oldest first */
        CHECK_STR(tl_str(json_array_get(vals, i), "message"), want);
    }
    CHECK_EQ_INT(tl_meta_len(ev, "breadcrumbs"), n);
    json_decref(ev);
    csc_scope_release(s);
}

static void test_ring_max_1(void) { check_ring(1); }
static void test_ring_max_3(void) { check_ring(3); }
static void test_ring_max_100(void) { check_ring(100); }
static void test_ring_max_0(void) { check_ring(0); }

static void test_no_meta_without_eviction(void) {
    CHECK_EQ_INT(tl_start_default(3), CSC_OK);
    csc_scope_t *s = csc_scope_new();
    add_n(s, 3);
    json_t *ev = capture_with(s);
    CHECK_EQ_INT(json_array_size(tl_crumbs(ev)), 3);
    CHECK_EQ_INT(tl_meta_len(ev, "breadcrumbs"), -1);
    json_decref(ev);
    add_n(s, 1);
    ev = capture_with(s);
    CHECK_EQ_INT(tl_meta_len(ev, "breadcrumbs"), 4);
    json_decref(ev);
    csc_scope_release(s);
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
}

static void test_max_read_at_insert_time(void) {
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
    csc_scope_t *s = csc_scope_new();
    add_n(s, 5);
    CHECK_EQ_INT(tl_start_default(2), CSC_OK); /* a new client with a smaller ring */
    add_n(s, 1);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 2);
    json_t *ev = capture_with(s);
    CHECK_EQ_INT(json_array_size(tl_crumbs(ev)), 2);
    CHECK_EQ_INT(tl_meta_len(ev, "breadcrumbs"), 6);
    json_decref(ev);
    csc_scope_release(s);
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
}

static void test_clear_breadcrumbs_resets_counter(void) {
    CHECK_EQ_INT(tl_start_default(2), CSC_OK);
    csc_scope_t *s = csc_scope_new();
    add_n(s, 5);
    CHECK_EQ_INT(csc_scope_clear_breadcrumbs(s), CSC_OK);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 0);
    add_n(s, 1);
    json_t *ev = capture_with(s);
    CHECK_EQ_INT(json_array_size(tl_crumbs(ev)), 1);
    CHECK_EQ_INT(tl_meta_len(ev, "breadcrumbs"), -1);
    json_decref(ev);
    csc_scope_release(s);
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
}

/* before_breadcrumb: drops category "drop", appends "!" to the message and adds data.seen otherwise. */
static int bb_calls, bb_saw_defaults;
static bool before_crumb(json_t *crumb, void *ud) {
    (void)ud;
    bb_calls++;
    if (json_object_get(crumb, "timestamp") && json_string_value(json_object_get(crumb, "type")) &&
        strcmp(json_string_value(json_object_get(crumb, "type")), "default") == 0)
        bb_saw_defaults++;
    const char *cat = json_string_value(json_object_get(crumb, "category"));
    if (cat && strcmp(cat, "drop") == 0) return false;
    char m[128];
    snprintf(m, sizeof m, "%s!", json_string_value(json_object_get(crumb, "message")));
    json_object_set_new(crumb, "message", json_string(m));
    json_t *data = json_object_get(crumb, "data");
    if (!json_is_object(data)) {
        data = json_object();
        json_object_set_new(crumb, "data", data);
    }
    json_object_set_new(data, "seen", json_true());
    return true;
}

static void test_before_breadcrumb_drop_and_modify(void) {
    csc_options_t *o = tl_options();
    CHECK_EQ_INT(csc_options_set_before_breadcrumb(o, before_crumb, NULL), CSC_OK);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    bb_calls = bb_saw_defaults = 0;
    csc_scope_t *s = csc_scope_new();
    csc_breadcrumb_t keep = msg_crumb("keep");
    csc_breadcrumb_t drop = msg_crumb("drop me");
    drop.category = "drop";
    (void)csc_scope_add_breadcrumb(s, &keep);
    int rc = csc_scope_add_breadcrumb(s, &drop);
    CHECK(rc == CSC_OK || rc == CSC_ERR_DROPPED);
    json_t *jc = json_pack("{s:s,s:s}", "message", "json", "category", "x");
    CHECK_EQ_INT(csc_scope_add_breadcrumb_json(s, jc), CSC_OK);
    CHECK_STR(tl_str(jc, "message"), "json"); /* borrowed: the caller's object is not changed */
    json_decref(jc);
    CHECK_EQ_INT(bb_calls, 3);
    CHECK_EQ_INT(bb_saw_defaults, 3); /* the hook sees type and timestamp already filled in */
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 2);
    json_t *ev = capture_with(s);
    CHECK_STR(tl_str(crumb_at(ev, 0), "message"), "keep!");
    CHECK(json_is_true(tl_path(crumb_at(ev, 0), "data.seen")));
    CHECK_STR(tl_str(crumb_at(ev, 1), "message"), "json!");
    CHECK_EQ_INT(json_array_size(tl_crumbs(ev)), 2);
    json_decref(ev);
    csc_scope_release(s);
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
}

static void test_kv_data_every_type(void) {
    csc_scope_t *s = csc_scope_new();
    json_t *borrowed = json_pack("{s:[i,i]}", "arr", 1, 2);
    json_t *merged = json_pack("{s:s,s:i}", "str", "from-json", "extra", 9);
    csc_kv_t kv[8];
    memset(kv, 0, sizeof kv);
    kv[0] = CSC_KV_STR("str", "value");
    kv[1] = CSC_KV_INT64("int", -9007199254740993LL);
    kv[2] = CSC_KV_DBL("dbl", 2.5);
    kv[3] = CSC_KV_BOOLEAN("bool", true);
    kv[4] = (csc_kv_t){.key = "null", .type = CSC_KV_NULL};
    kv[5] = (csc_kv_t){.key = "json", .type = CSC_KV_JSON, .v = {.json = borrowed}};
    kv[6] = (csc_kv_t){.key = "sliceXXX", .key_len = 5, .type = CSC_KV_STRING, .v = {.s = "abcdef"}, .s_len = 3};
    kv[7] = CSC_KV_STR("keep", "k");
    csc_breadcrumb_t c = msg_crumb("data");
    c.data = kv;
    c.data_count = 8;
    c.data_json = merged;
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &c), CSC_OK);
    CHECK_EQ_INT(borrowed->refcount, 1); /* borrowed, not kept */
    CHECK_EQ_INT(merged->refcount, 1);
    json_object_set_new(borrowed, "mutated", json_true()); /* later changes must not show */
    json_decref(borrowed);
    json_decref(merged);
    json_t *ev = capture_with(s);
    json_t *d = json_object_get(crumb_at(ev, 0), "data");
    CHECK(json_is_object(d));
    CHECK_STR(tl_str(d, "str"), "from-json"); /* data_json merged after data */
    CHECK(json_is_integer(json_object_get(d, "int")) &&
          json_integer_value(json_object_get(d, "int")) == -9007199254740993LL);
    CHECK(json_is_real(json_object_get(d, "dbl")) && json_real_value(json_object_get(d, "dbl")) == 2.5);
    CHECK(json_is_true(json_object_get(d, "bool")));
    CHECK(json_is_null(json_object_get(d, "null")));
    CHECK_EQ_INT(json_integer_value(json_array_get(tl_path(d, "json.arr"), 1)), 2);
    CHECK(tl_path(d, "json.mutated") == NULL);
    CHECK_STR(tl_str(d, "slice"), "abc");
    CHECK_STR(tl_str(d, "keep"), "k");
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "extra")), 9);
    json_decref(ev);
    csc_scope_release(s);
}

static void test_timestamps(void) {
    csc_scope_t *s = csc_scope_new();
    csc_breadcrumb_t a = msg_crumb("explicit");
    a.timestamp_us = 1700000000123456LL;
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &a), CSC_OK);
    long long before = (long long)csc_now_us();
    csc_breadcrumb_t b = msg_crumb("now");
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &b), CSC_OK);
    long long after = (long long)csc_now_us();
    json_t *j1 = json_pack("{s:s,s:s}", "message", "iso", "timestamp", "2024-01-02T03:04:05.5+01:00");
    json_t *j2 = json_pack("{s:s,s:f}", "message", "num", "timestamp", 1700000001.25);
    CHECK_EQ_INT(csc_scope_add_breadcrumb_json(s, j1), CSC_OK);
    CHECK_EQ_INT(csc_scope_add_breadcrumb_json(s, j2), CSC_OK);
    json_decref(j1);
    json_decref(j2);
    json_t *ev = capture_with(s);
    /* the event's crumbs are sorted by time: explicit < num < iso (2024-01-02) < now */
    CHECK_STR(tl_str(crumb_at(ev, 0), "message"), "explicit");
    CHECK_STR(tl_str(crumb_at(ev, 0), "timestamp"), "2023-11-14T22:13:20.123456Z");
    CHECK_STR(tl_str(crumb_at(ev, 1), "message"), "num");
    CHECK_STR(tl_str(crumb_at(ev, 1), "timestamp"), "2023-11-14T22:13:21.250000Z");
    CHECK_STR(tl_str(crumb_at(ev, 2), "message"), "iso");
    CHECK_STR(tl_str(crumb_at(ev, 2), "timestamp"), "2024-01-02T02:04:05.500000Z");
    CHECK_STR(tl_str(crumb_at(ev, 3), "message"), "now");
    long long ts = tl_parse_ts(json_object_get(crumb_at(ev, 3), "timestamp"));
    CHECK(ts >= before - 1000 && ts <= after + 1000);
    json_decref(ev);
    csc_scope_release(s);
}

static void test_json_crumb_fields(void) {
    csc_scope_t *s = csc_scope_new();
    json_t *j = json_pack("{s:s,s:s,s:s,s:{s:i}}", "message", "m", "category", "cat", "level", "error", "data", "n", 1);
    CHECK_EQ_INT(csc_scope_add_breadcrumb_json(s, j), CSC_OK);
    json_decref(j);
    json_t *not_obj = json_string("x");
    CHECK_EQ_INT(csc_scope_add_breadcrumb_json(s, not_obj), CSC_ERR_INVALID);
    json_decref(not_obj);
    json_t *ev = capture_with(s);
    json_t *b = crumb_at(ev, 0);
    CHECK_STR(tl_str(b, "message"), "m");
    CHECK_STR(tl_str(b, "category"), "cat");
    CHECK_STR(tl_str(b, "level"), "error");
    CHECK_STR(tl_str(b, "type"), "default");
    CHECK_EQ_INT(json_integer_value(tl_path(b, "data.n")), 1);
    CHECK_EQ_INT(json_array_size(tl_crumbs(ev)), 1);
    json_decref(ev);
    csc_scope_release(s);
}

static void test_long_message_cut(void) {
    csc_scope_t *s = csc_scope_new();
    size_t n = CSC_MAX_STRING_LEN + 100;
    char *m = malloc(n * 2 + 1);
    for (size_t i = 0; i < n; i++) memcpy(m + 2 * i, "\xc3\xa9", 2); /* é */
    m[n * 2] = 0;
    csc_breadcrumb_t c = msg_crumb(m);
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &c), CSC_TRUNCATED);
    free(m);
    json_t *j = csc_scope_to_json(s);
    const char *got = tl_str(crumb_at(j, 0), "message");
    CHECK(got != NULL);
    if (got) {
        CHECK_EQ_INT(tl_utf8_chars(got), CSC_MAX_STRING_LEN);
        CHECK(tl_utf8_valid(got, strlen(got)));
    }
    json_decref(j);
    csc_scope_release(s);
}

/* Data larger than the renderer's stack buffer (regression: it was realloc'd, which aborted). */
static void test_large_data_rendered(void) {
    csc_scope_t *s = csc_scope_new();
    static char big[5000];
    memset(big, 'x', sizeof big - 1);
    csc_kv_t kv[3] = {CSC_KV_STR("a", big), CSC_KV_STR("b\u00e9", "\xc3\xa9\"q\""), CSC_KV_STR("c", big)};
    csc_breadcrumb_t c = msg_crumb("big");
    c.data = kv;
    c.data_count = 3;
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &c), CSC_OK);
    json_t *ev = capture_with(s);
    json_t *d = json_object_get(crumb_at(ev, 0), "data");
    CHECK(json_string_length(json_object_get(d, "a")) > 500);
    CHECK(json_string_length(json_object_get(d, "c")) > 500);
    CHECK_STR(tl_str(d, "b\u00e9"), "\xc3\xa9\"q\"");
    json_decref(ev);
    csc_scope_release(s);
}

int main(void) {
    RUN(test_dropped_before_init); /* must be first: before csc_init */
    if (!csc_is_enabled() && tl_start_default(100) != CSC_OK) tl_cases_failed++;
    RUN(test_dropped_after_close);
    RUN(test_defaults);
    RUN(test_ring_max_1);
    RUN(test_ring_max_3);
    RUN(test_ring_max_100);
    RUN(test_ring_max_0);
    RUN(test_no_meta_without_eviction);
    RUN(test_max_read_at_insert_time);
    RUN(test_clear_breadcrumbs_resets_counter);
    RUN(test_before_breadcrumb_drop_and_modify);
    RUN(test_kv_data_every_type);
    RUN(test_timestamps);
    RUN(test_json_crumb_fields);
    RUN(test_long_message_cut);
    RUN(test_large_data_rendered);
    (void)csc_close();
    tl_sink_reset();
    return TL_DONE();
}

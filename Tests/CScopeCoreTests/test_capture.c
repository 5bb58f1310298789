/*
 * test_capture.c: the capture pipeline (include/cscope/capture.h, event.h):
 * the merge rules of scope-semantics.md §8-§10 and §18 one by one, processors,
 * before_send, sampling, the event's fixed fields, trace context, and the
 * envelope framing (headers, items, attachments).
 *
 * Most tests pass explicit scopes (global/isolation/current) built per test,
 * so they do not depend on the thread-local tiers.
 */
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cscope_spi.h" /* csc_options_set_release_hook */
#include "testlib.h"

#define DSN     "https://pub123@o7.ingest.sentry.io/42"
#define TRACE_G "11111111111111111111111111111111"
#define SPAN_G  "1111111111111111"
#define TRACE_I "22222222222222222222222222222222"
#define SPAN_I  "2222222222222222"

static int before_send_calls;
static bool (*before_send_impl)(json_t *event);

static bool before_send_hook(json_t *event, void *ud) {
    (void)ud;
    before_send_calls++;
    return before_send_impl ? before_send_impl(event) : true;
}

static int start(double sample_rate) {
    csc_options_t *o = tl_options();
    (void)csc_options_set_dsn(o, DSN);
    (void)csc_options_set_dist(o, "d1");
    (void)csc_options_set_sample_rate(o, sample_rate);
    (void)csc_options_set_before_send(o, before_send_hook, NULL);
    before_send_calls = 0;
    before_send_impl = NULL;
    return tl_start(o);
}

/* Fresh tiers: global and isolation with known traces; current a fork of isolation (as a push does). */
typedef struct {
    csc_scope_t *g, *i, *c;
    csc_scopes_t sc;
} tiers_t;

static tiers_t tiers(void) {
    tiers_t t;
    t.g = csc_scope_new();
    t.i = csc_scope_new();
    (void)csc_scope_set_propagation_context(t.g, TRACE_G, SPAN_G, NULL);
    (void)csc_scope_set_propagation_context(t.i, TRACE_I, SPAN_I, NULL);
    t.c = csc_scope_fork(t.i);
    t.sc = (csc_scopes_t){.global = t.g, .isolation = t.i, .current = t.c};
    return t;
}

static void tiers_free(tiers_t *t) {
    csc_scope_release(t->g);
    csc_scope_release(t->i);
    csc_scope_release(t->c);
}

/* Captures a message; the sent event (caller owns) or NULL; *rc gets the status. */
static json_t *cap(const csc_scopes_t *sc, csc_level_t level, int *rc) {
    tl_sink_reset();
    int r = csc_capture_message("msg", level, sc, NULL);
    if (rc) *rc = r;
    return r == CSC_OK ? tl_last_event() : NULL;
}

/* ------------------------------------------------------------ §8 merge precedence */

static void test_tag_precedence_per_key(void) {
    tiers_t t = tiers();
    (void)csc_scope_set_tag(t.g, "k", "global");
    (void)csc_scope_set_tag(t.g, "only_g", "g");
    (void)csc_scope_set_tag(t.i, "k", "isolation");
    (void)csc_scope_set_tag(t.i, "gi", "isolation");
    (void)csc_scope_set_tag(t.g, "gi", "global");
    (void)csc_scope_set_tag(t.c, "k", "current");
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK(ev != NULL);
    CHECK_STR(tl_str(ev, "tags.k"), "current");
    CHECK_STR(tl_str(ev, "tags.gi"), "isolation");
    CHECK_STR(tl_str(ev, "tags.only_g"), "g");
    json_decref(ev);
    /* the extra per-call scope wins over all */
    csc_scope_t *x = csc_scope_new();
    (void)csc_scope_set_tag(x, "k", "extra");
    t.sc.extra = x;
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "tags.k"), "extra");
    CHECK_STR(tl_str(ev, "tags.only_g"), "g");
    json_decref(ev);
    csc_scope_release(x);
    tiers_free(&t);
}

static void test_remove_cannot_delete_inherited_tag(void) {
    tiers_t t = tiers();
    (void)csc_scope_set_tag(t.g, "x", "g");
    CHECK_EQ_INT(csc_scope_remove_tag(t.c, "x"), CSC_OK);
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "tags.x"), "g");
    json_decref(ev);
    tiers_free(&t);
}

static void test_tags_keep_json_types(void) {
    tiers_t t = tiers();
    (void)csc_scope_set_tag_json(t.i, "n", json_integer(5));
    (void)csc_scope_set_tag_json(t.i, "b", json_false());
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK(json_is_integer(tl_path(ev, "tags.n")) && json_integer_value(tl_path(ev, "tags.n")) == 5);
    CHECK(json_is_false(tl_path(ev, "tags.b")));
    json_decref(ev);
    tiers_free(&t);
}

static void test_user_whole_object(void) {
    tiers_t t = tiers();
    (void)csc_scope_set_user(t.g, json_pack("{s:s,s:s}", "id", "g", "email", "g@x.org"));
    (void)csc_scope_set_user(t.c, json_pack("{s:s}", "id", "c"));
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "user.id"), "c");
    CHECK(tl_path(ev, "user.email") == NULL); /* no per-key merge of users */
    json_decref(ev);
    tiers_free(&t);
}

static void test_null_user_and_level_do_not_unset(void) {
    tiers_t t = tiers();
    (void)csc_scope_set_user(t.g, json_pack("{s:s}", "id", "g"));
    (void)csc_scope_set_level(t.g, CSC_LEVEL_WARNING);
    (void)csc_scope_set_user(t.c, NULL);
    (void)csc_scope_set_level(t.c, CSC_LEVEL_NONE);
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "user.id"), "g");
    CHECK_STR(tl_str(ev, "level"), "warning");
    json_decref(ev);
    /* an empty object is a value and hides wider users */
    (void)csc_scope_set_user(t.c, json_object());
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK(tl_path(ev, "user.id") == NULL);
    json_decref(ev);
    tiers_free(&t);
}

static void test_empty_fingerprint_overrides(void) {
    tiers_t t = tiers();
    const char *fp[] = {"g"};
    (void)csc_scope_set_fingerprint(t.g, fp, 1);
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(json_string_value(json_array_get(json_object_get(ev, "fingerprint"), 0)), "g");
    json_decref(ev);
    (void)csc_scope_set_fingerprint(t.c, fp, 0);
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    json_t *f = json_object_get(ev, "fingerprint");
    CHECK(json_is_array(f) && json_array_size(f) == 0);
    json_decref(ev);
    tiers_free(&t);
}

static void test_scope_level_beats_capture_level(void) {
    tiers_t t = tiers();
    json_t *ev = cap(&t.sc, CSC_LEVEL_ERROR, NULL);
    CHECK_STR(tl_str(ev, "level"), "error");
    json_decref(ev);
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "level"), "info");
    json_decref(ev);
    (void)csc_scope_set_level(t.i, CSC_LEVEL_DEBUG);
    (void)csc_scope_set_level(t.c, CSC_LEVEL_WARNING);
    ev = cap(&t.sc, CSC_LEVEL_FATAL, NULL);
    CHECK_STR(tl_str(ev, "level"), "warning");
    json_decref(ev);
    /* and beats the exception's "error" */
    csc_exception_t exc = {.type = "E", .value = "v", .handled = -1};
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_exception(&exc, &t.sc, NULL), CSC_OK);
    ev = tl_last_event();
    CHECK_STR(tl_str(ev, "level"), "warning");
    json_decref(ev);
    tiers_free(&t);
}

static void test_capture_event_without_level(void) {
    tiers_t t = tiers();
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_event(json_pack("{s:s}", "message", "raw"), &t.sc, NULL), CSC_OK);
    json_t *ev = tl_last_event();
    CHECK(ev != NULL);
    CHECK(json_object_get(ev, "level") == NULL);
    CHECK_STR(tl_str(ev, "message"), "raw");
    json_decref(ev);
    tiers_free(&t);
}

static void test_contexts_replaced_whole_per_key(void) {
    tiers_t t = tiers();
    (void)csc_scope_set_context(t.g, "os", json_pack("{s:s,s:s}", "name", "linux", "version", "6.1"));
    (void)csc_scope_set_context(t.g, "runtime", json_pack("{s:s}", "name", "swift"));
    (void)csc_scope_set_context(t.c, "os", json_pack("{s:s}", "name", "darwin"));
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "contexts.os.name"), "darwin");
    CHECK(tl_path(ev, "contexts.os.version") == NULL);
    CHECK_STR(tl_str(ev, "contexts.runtime.name"), "swift");
    json_decref(ev);
    tiers_free(&t);
}

static void test_transaction_info_accumulates(void) {
    tiers_t t = tiers();
    (void)csc_scope_set_transaction(t.i, "iso-name", "route");
    csc_scope_t *c2 = csc_scope_new(); /* a current scope without any source */
    (void)csc_scope_set_propagation_context(c2, TRACE_I, SPAN_I, NULL);
    (void)csc_scope_set_transaction(c2, "cur-name", NULL);
    t.sc.current = c2;
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "transaction"), "cur-name");
    CHECK_STR(tl_str(ev, "transaction_info.source"), "route");
    json_decref(ev);
    csc_scope_release(c2);
    tiers_free(&t);
}

static void test_extras_breadth_cut(void) {
    tiers_t t = tiers();
    char k[16];
    for (int n = 0; n < 15; n++) {
        snprintf(k, sizeof k, "e%02d", n);
        (void)csc_scope_set_extra(t.c, k, json_integer(n));
    }
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    json_t *ex = json_object_get(ev, "extra");
    CHECK_EQ_INT(json_object_size(ex), CSC_MAX_DATABAG_BREADTH);
    CHECK(json_object_get(ex, "e00") && json_object_get(ex, "e09"));
    CHECK(json_object_get(ex, "e10") == NULL); /* the first 10 in insertion order are kept */
    CHECK_EQ_INT(tl_meta_len(ev, "extra"), 15);
    json_decref(ev);
    tiers_free(&t);

    /* across tiers: an override keeps the key's first position */
    t = tiers();
    for (int n = 0; n < 6; n++) {
        snprintf(k, sizeof k, "e%02d", n);
        (void)csc_scope_set_extra(t.g, k, json_string("g"));
    }
    (void)csc_scope_set_extra(t.c, "e03", json_string("c"));
    for (int n = 6; n < 12; n++) {
        snprintf(k, sizeof k, "e%02d", n);
        (void)csc_scope_set_extra(t.c, k, json_string("c"));
    }
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    ex = json_object_get(ev, "extra");
    CHECK_EQ_INT(json_object_size(ex), 10);
    CHECK_STR(tl_str(ex, "e03"), "c");
    CHECK(json_object_get(ex, "e09") != NULL);
    CHECK(json_object_get(ex, "e10") == NULL);
    CHECK_EQ_INT(tl_meta_len(ev, "extra"), 12);
    json_decref(ev);
    /* 10 or fewer: no _meta */
    (void)csc_scope_clear(t.c);
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_EQ_INT(json_object_size(json_object_get(ev, "extra")), 6);
    CHECK_EQ_INT(tl_meta_len(ev, "extra"), -1);
    json_decref(ev);
    tiers_free(&t);
}

static csc_breadcrumb_t crumb(const char *m, int64_t ts) {
    csc_breadcrumb_t c;
    memset(&c, 0, sizeof c);
    c.message = m;
    c.level = CSC_LEVEL_NONE;
    c.timestamp_us = ts;
    return c;
}

static void test_breadcrumbs_merged_chronologically(void) {
    tiers_t t = tiers();
    const int64_t T = 1700000000000000LL;
    csc_breadcrumb_t b;
    b = crumb("g3", T + 3000);
    (void)csc_scope_add_breadcrumb(t.g, &b);
    b = crumb("g5", T + 5000);
    (void)csc_scope_add_breadcrumb(t.g, &b);
    b = crumb("i1", T + 1000);
    (void)csc_scope_add_breadcrumb(t.i, &b);
    b = crumb("c2", T + 2000);
    (void)csc_scope_add_breadcrumb(t.c, &b);
    b = crumb("c4", T + 4000);
    (void)csc_scope_add_breadcrumb(t.c, &b);
    tl_sink_reset();
    json_t *event = json_pack("{s:s,s:{s:[{s:s,s:s}]}}", "message", "with own crumb", "breadcrumbs", "values",
                              "message", "e0", "timestamp", "2023-11-14T22:13:20.000500Z");
    CHECK_EQ_INT(csc_capture_event(event, &t.sc, NULL), CSC_OK);
    json_t *ev = tl_last_event();
    json_t *v = tl_crumbs(ev);
    const char *want[] = {"e0", "i1", "c2", "g3", "c4", "g5"};
    CHECK_EQ_INT(json_array_size(v), 6);
    for (size_t n = 0; n < 6 && n < json_array_size(v); n++)
        CHECK_STR(tl_str(json_array_get(v, n), "message"), want[n]);
    json_decref(ev);
    tiers_free(&t);
}

static void test_breadcrumb_meta_sums_over_tiers(void) {
    CHECK_EQ_INT(tl_start_default(2), CSC_OK);
    tiers_t t = tiers();
    for (int n = 0; n < 3; n++) {
        csc_breadcrumb_t b = crumb("x", 1700000000000000LL + n);
        (void)csc_scope_add_breadcrumb(t.g, &b);
        (void)csc_scope_add_breadcrumb(t.i, &b);
        (void)csc_scope_add_breadcrumb(t.c, &b);
    }
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_EQ_INT(json_array_size(tl_crumbs(ev)), 6); /* the limit is per scope */
    CHECK_EQ_INT(tl_meta_len(ev, "breadcrumbs"), 9);
    json_decref(ev);
    tiers_free(&t);
    CHECK_EQ_INT(start(1.0), CSC_OK);
}

/* ------------------------------------------------------------ §9 event values vs scope */

static void test_event_values_kept_or_updated(void) {
    tiers_t t = tiers();
    const char *fp[] = {"scope"};
    (void)csc_scope_set_fingerprint(t.c, fp, 1);
    (void)csc_scope_set_user(t.c, json_pack("{s:s}", "id", "scope"));
    (void)csc_scope_set_transaction(t.c, "scope-tx", NULL);
    (void)csc_scope_set_tag(t.c, "both", "scope");
    (void)csc_scope_set_extra(t.c, "both", json_string("scope"));
    (void)csc_scope_set_context(t.c, "both", json_pack("{s:s}", "v", "scope"));
    json_t *event = json_pack("{s:s, s:[s], s:{s:s}, s:s, s:{s:s,s:s}, s:{s:s,s:s}, s:{s:{s:s},s:{s:s}}}", "message",
                              "m", "fingerprint", "event", "user", "id", "event", "transaction", "event-tx", "tags",
                              "both", "event", "ev_only", "e", "extra", "both", "event", "ev_only", "e", "contexts",
                              "both", "v", "event", "ev_only", "v", "e");
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_event(event, &t.sc, NULL), CSC_OK);
    json_t *ev = tl_last_event();
    CHECK_STR(json_string_value(json_array_get(json_object_get(ev, "fingerprint"), 0)), "event");
    CHECK_STR(tl_str(ev, "user.id"), "event");
    CHECK_STR(tl_str(ev, "transaction"), "event-tx");
    CHECK_STR(tl_str(ev, "tags.both"), "scope");
    CHECK_STR(tl_str(ev, "tags.ev_only"), "e");
    CHECK_STR(tl_str(ev, "extra.both"), "scope");
    CHECK_STR(tl_str(ev, "extra.ev_only"), "e");
    CHECK_STR(tl_str(ev, "contexts.both.v"), "scope");
    CHECK_STR(tl_str(ev, "contexts.ev_only.v"), "e");
    json_decref(ev);
    tiers_free(&t);
}

/* ------------------------------------------------------------ §10 processors and hooks */

/* Processors append their name (user_data) to `order`; proc_mark also sets tags.proc. */
static char order[128];
static bool proc_mark(json_t *ev, void *ud) {
    strncat(order, (const char *)ud, sizeof order - strlen(order) - 1);
    json_t *tags = json_object_get(ev, "tags");
    if (!tags) {
        tags = json_object();
        json_object_set_new(ev, "tags", tags);
    }
    json_object_set_new(tags, "proc", json_string((const char *)ud));
    return true;
}
static bool proc_drop(json_t *ev, void *ud) {
    (void)ev;
    strncat(order, (const char *)ud, sizeof order - strlen(order) - 1);
    return false;
}

static void test_processor_order_and_extra_ignored(void) {
    tiers_t t = tiers();
    csc_scope_t *x = csc_scope_new();
    (void)csc_scope_add_event_processor(t.c, proc_mark, "c", NULL);
    (void)csc_scope_add_event_processor(t.i, proc_mark, "i", NULL);
    (void)csc_scope_add_event_processor(t.g, proc_mark, "g", NULL);
    (void)csc_scope_add_event_processor(x, proc_mark, "x", NULL);
    t.sc.extra = x;
    order[0] = 0;
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(order, "gic");
    CHECK_STR(tl_str(ev, "tags.proc"), "c"); /* the processors' changes are sent */
    json_decref(ev);
    csc_scope_release(x);
    tiers_free(&t);
}

static void test_processor_drop(void) {
    tiers_t t = tiers();
    char id0[33] = "", id[33] = "", got[33] = "";
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("first", CSC_LEVEL_NONE, &t.sc, id0), CSC_OK);
    (void)csc_scope_add_event_processor(t.i, proc_drop, "I", NULL);
    (void)csc_scope_add_event_processor(t.c, proc_mark, "c", NULL);
    order[0] = 0;
    before_send_calls = 0;
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("dropped", CSC_LEVEL_NONE, &t.sc, id), CSC_ERR_DROPPED);
    CHECK_EQ_INT(tl_sink.total, 0);
    CHECK_STR(order, "I"); /* the chain stops at the drop */
    CHECK_EQ_INT(before_send_calls, 0);
    CHECK_STR(id, "");
    CHECK(csc_scope_get_last_event_id(t.i, got));
    CHECK_STR(got, id0); /* not updated */
    tiers_free(&t);
}

static bool bs_check_and_tag(json_t *ev) {
    json_t *tags = json_object_get(ev, "tags");
    if (!tags) {
        tags = json_object();
        json_object_set_new(ev, "tags", tags);
    }
    json_object_set_new(tags, "bs_saw_proc", json_boolean(json_object_get(tags, "proc") != NULL));
    json_object_set_new(tags, "by", json_string("before_send"));
    return true;
}
static bool bs_drop(json_t *ev) {
    (void)ev;
    return false;
}

static void test_before_send_modify_and_drop(void) {
    tiers_t t = tiers();
    (void)csc_scope_add_event_processor(t.c, proc_mark, "c", NULL);
    before_send_impl = bs_check_and_tag;
    before_send_calls = 0;
    char id0[33] = "", id[33] = "", got[33] = "";
    json_t *ev = NULL;
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, &t.sc, id0), CSC_OK);
    ev = tl_last_event();
    CHECK_EQ_INT(before_send_calls, 1);
    CHECK(json_is_true(tl_path(ev, "tags.bs_saw_proc"))); /* runs after the processors */
    CHECK_STR(tl_str(ev, "tags.by"), "before_send");
    json_decref(ev);
    before_send_impl = bs_drop;
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, &t.sc, id), CSC_ERR_DROPPED);
    CHECK_EQ_INT(tl_sink.total, 0);
    CHECK_STR(id, "");
    CHECK(csc_scope_get_last_event_id(t.i, got));
    CHECK_STR(got, id0);
    before_send_impl = NULL;
    tiers_free(&t);
}

static void test_sample_rate_zero_drops_after_before_send(void) {
    CHECK_EQ_INT(start(0.0), CSC_OK);
    tiers_t t = tiers();
    char id[33] = "", got[33] = "";
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, &t.sc, id), CSC_ERR_DROPPED);
    CHECK_EQ_INT(before_send_calls, 1); /* before_send runs before sampling */
    CHECK_EQ_INT(tl_sink.total, 0);
    CHECK(!csc_scope_get_last_event_id(t.i, got));
    tiers_free(&t);
    CHECK_EQ_INT(start(1.0), CSC_OK);
}

/* ------------------------------------------------------------ the event's fixed fields */

static void test_event_fields(void) {
    tiers_t t = tiers();
    char id[33] = "", got[33] = "";
    long long before = (long long)csc_now_us();
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("hello", CSC_LEVEL_NONE, &t.sc, id), CSC_OK);
    long long after = (long long)csc_now_us();
    json_t *ev = tl_last_event();
    CHECK(ev != NULL);
    CHECK(tl_is_hex(id, 32));
    CHECK_STR(tl_str(ev, "event_id"), id);
    CHECK_STR(csc_envelope_event_id(tl_last_envelope()), id);
    CHECK(csc_scope_get_last_event_id(t.i, got));
    CHECK_STR(got, id);
    CHECK_STR(tl_str(ev, "message"), "hello");
    CHECK_STR(tl_str(ev, "level"), "info");
    long long ts = tl_parse_ts(json_object_get(ev, "timestamp"));
    CHECK(ts >= before - 1000000 && ts <= after + 1000000);
    CHECK_STR(tl_str(ev, "platform"), "native");
    CHECK_STR(tl_str(ev, "sdk.name"), "sentry.cscope");
    CHECK_STR(tl_str(ev, "sdk.version"), CSC_VERSION);
    CHECK_STR(tl_str(ev, "release"), "test@1.0.0");
    CHECK_STR(tl_str(ev, "environment"), "testing");
    CHECK_STR(tl_str(ev, "dist"), "d1");
    CHECK(json_is_object(json_object_get(ev, "transaction_info"))); /* always present for errors */
    CHECK(json_is_array(tl_path(ev, "breadcrumbs.values")));        /* {"values": []} always present */
    CHECK(json_object_get(ev, "tags") == NULL);                     /* only when non-empty */
    CHECK(json_object_get(ev, "extra") == NULL);
    json_decref(ev);
    /* ids are fresh per event */
    char id2[33] = "";
    CHECK_EQ_INT(csc_capture_message("again", CSC_LEVEL_NONE, &t.sc, id2), CSC_OK);
    CHECK(strcmp(id, id2) != 0);
    tiers_free(&t);
}

static void test_release_environment_not_overridden_when_event_has_them(void) {
    tiers_t t = tiers();
    tl_sink_reset();
    CHECK_EQ_INT(
        csc_capture_event(json_pack("{s:s,s:s,s:s}", "message", "m", "release", "own@2", "environment", "staging"),
                          &t.sc, NULL),
        CSC_OK);
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(ev, "release"), "own@2");
    CHECK_STR(tl_str(ev, "environment"), "staging");
    json_decref(ev);
    tiers_free(&t);
}

static void test_platform_and_sdk_options(void) {
    csc_options_t *o = tl_options();
    CHECK_EQ_INT(csc_options_set_platform(o, "cocoa"), CSC_OK);
    CHECK_EQ_INT(csc_options_set_sdk(o, "sentry.swift.server", "9.9.9"), CSC_OK);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    tiers_t t = tiers();
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "platform"), "cocoa");
    CHECK_STR(tl_str(ev, "sdk.name"), "sentry.swift.server");
    CHECK_STR(tl_str(ev, "sdk.version"), "9.9.9");
    json_decref(ev);
    tiers_free(&t);
    CHECK_EQ_INT(start(1.0), CSC_OK);
}

static void test_server_name_option(void) {
    csc_options_t *o = tl_options();
    CHECK_EQ_INT(csc_options_set_server_name(o, "host-a"), CSC_OK);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    tiers_t t = tiers();
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "server_name"), "host-a");
    json_decref(ev);
    tiers_free(&t);
    CHECK_EQ_INT(start(1.0), CSC_OK);
}

/* Every event gets os (uname), device and runtime contexts unless a scope sets them; a scope's
 * context of the same name wins whole; csc_options_set_runtime names the host's runtime. */
static void test_default_contexts(void) {
    struct utsname u;
    CHECK_EQ_INT(uname(&u), 0);
    tiers_t t = tiers();
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "contexts.os.name"), u.sysname);
    CHECK_STR(tl_str(ev, "contexts.os.kernel_version"), u.release);
    CHECK_STR(tl_str(ev, "contexts.device.arch"), u.machine);
    CHECK(json_integer_value(tl_path(ev, "contexts.device.processor_count")) == sysconf(_SC_NPROCESSORS_ONLN));
    CHECK(json_integer_value(tl_path(ev, "contexts.device.memory_size")) > 0);
    CHECK_STR(tl_str(ev, "contexts.runtime.name"), "glibc");
    CHECK(tl_path(ev, "contexts.device.name") == NULL); /* no host name (server_name is an option) */
    json_decref(ev);

    (void)csc_scope_set_context(t.i, "os", json_pack("{s:s}", "name", "Custom"));
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "contexts.os.name"), "Custom");
    CHECK(tl_path(ev, "contexts.os.kernel_version") == NULL);
    CHECK_STR(tl_str(ev, "contexts.device.arch"), u.machine);
    json_decref(ev);
    tiers_free(&t);

    csc_options_t *o = tl_options();
    CHECK_EQ_INT(csc_options_set_runtime(o, "swift", "6.3"), CSC_OK);
    CHECK_EQ_INT(csc_options_set_runtime(NULL, "x", "y"), CSC_ERR_NULL);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    t = tiers();
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "contexts.runtime.name"), "swift");
    CHECK_STR(tl_str(ev, "contexts.runtime.version"), "6.3");
    json_decref(ev);
    tiers_free(&t);
    CHECK_EQ_INT(start(1.0), CSC_OK);
}

/* Without send_default_pii the event's user loses ip_address and denylisted keys are filtered;
 * the scope's own user is not changed (README: the scrubber works on a copy). */
static void test_scrubber_without_pii(void) {
    tiers_t t = tiers();
    (void)csc_scope_set_user(t.i, json_pack("{s:s,s:s}", "id", "u1", "ip_address", "192.0.2.1"));
    (void)csc_scope_set_extra(t.i, "password", json_string("hunter2"));
    (void)csc_scope_set_extra(t.i, "harmless", json_string("kept"));
    /* the denylist is matched without regard to case, as Python's EventScrubber (key.lower()) */
    (void)csc_scope_set_extra(t.i, "Password", json_string("hunter3"));
    (void)csc_scope_set_extra(t.i, "API_KEY", json_string("sk-live"));
    (void)csc_scope_set_extra(t.i, "Authorization", json_string("Bearer x"));
    (void)csc_scope_set_extra(t.i, "passwords", json_string("not a denylisted key"));
    (void)csc_scope_set_extra(t.i, "auth", json_string("the shortest denylisted key"));
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "user.id"), "u1");
    CHECK(tl_path(ev, "user.ip_address") == NULL);
    CHECK_STR(tl_str(ev, "extra.password"), "[Filtered]");
    CHECK_STR(tl_str(ev, "extra.Password"), "[Filtered]");
    CHECK_STR(tl_str(ev, "extra.API_KEY"), "[Filtered]");
    CHECK_STR(tl_str(ev, "extra.Authorization"), "[Filtered]");
    CHECK_STR(tl_str(ev, "extra.passwords"), "not a denylisted key");
    CHECK_STR(tl_str(ev, "extra.auth"), "[Filtered]");
    CHECK_STR(tl_str(ev, "extra.harmless"), "kept");
    json_decref(ev);
    json_t *j = csc_scope_to_json(t.i);
    CHECK_STR(tl_str(j, "user.ip_address"), "192.0.2.1");
    CHECK_STR(tl_str(j, "extra.password"), "hunter2");
    json_decref(j);
    /* with send_default_pii the ip address is sent */
    csc_options_t *o = tl_options();
    (void)csc_options_set_send_default_pii(o, true);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "user.ip_address"), "192.0.2.1");
    json_decref(ev);
    tiers_free(&t);
    CHECK_EQ_INT(start(1.0), CSC_OK);
}

/* csc_options_set_release_hook: the callbacks' user data is released when the client is replaced
 * or closed, or when the options die unused; a logger's only when a later csc_init replaces it. */
static int hook_calls[4];
static void count_release(void *ctx) { hook_calls[(intptr_t)ctx]++; }
static bool keep_all(json_t *event, void *ud) { return true; }
static void quiet_logger(const char *line, void *ud) {}

static void test_release_hook(void) {
    memset(hook_calls, 0, sizeof hook_calls);
    csc_options_t *o = tl_options();
    (void)csc_options_set_before_send(o, keep_all, NULL);
    CHECK_EQ_INT(csc_options_set_release_hook(o, count_release, (void *)(intptr_t)0), CSC_OK);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_INFO, NULL, NULL), CSC_OK);
    CHECK_EQ_INT(hook_calls[0], 0);
    CHECK_EQ_INT(start(1.0), CSC_OK); /* replaced */
    CHECK_EQ_INT(hook_calls[0], 1);

    o = tl_options();
    (void)csc_options_set_release_hook(o, count_release, (void *)(intptr_t)1);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    CHECK_EQ_INT(csc_close(), CSC_OK); /* closed */
    CHECK_EQ_INT(hook_calls[1], 1);

    o = tl_options();
    (void)csc_options_set_release_hook(o, count_release, (void *)(intptr_t)2);
    csc_options_free(o); /* never used */
    CHECK_EQ_INT(hook_calls[2], 1);

    o = tl_options();
    (void)csc_options_set_logger(o, quiet_logger, NULL);
    (void)csc_options_set_release_hook(o, count_release, (void *)(intptr_t)3);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    CHECK_EQ_INT(csc_close(), CSC_OK);
    CHECK_EQ_INT(hook_calls[3], 0); /* the logger outlives the client */
    CHECK_EQ_INT(start(1.0), CSC_OK);
    CHECK_EQ_INT(hook_calls[3], 1);
    CHECK_EQ_INT(hook_calls[0] + hook_calls[1] + hook_calls[2], 3); /* each once */
    CHECK_EQ_INT(csc_options_set_release_hook(NULL, count_release, NULL), CSC_ERR_NULL);
}

static void test_flush_with_custom_transport(void) {
    CHECK_EQ_INT(csc_flush(100), CSC_OK);
    CHECK_EQ_INT(csc_close(), CSC_OK);
    CHECK_EQ_INT(csc_flush(100), CSC_ERR_DISABLED);
    CHECK_EQ_INT(start(1.0), CSC_OK);
}

static void test_uuid4(void) {
    char a[33], b[33];
    csc_uuid4_hex(a);
    csc_uuid4_hex(b);
    CHECK(tl_is_hex(a, 32));
    CHECK(strcmp(a, b) != 0);
    CHECK(a[12] == '4');
    CHECK(strchr("89ab", a[16]) != NULL);
}

/* fork() copies the calling thread's generator into the child; parent and child must still
 * hand out different ids (a pre-fork server's workers would otherwise share event ids). */
static void test_uuid4_differs_after_fork(void) {
    char before[33], parent[33], child[33] = {0};
    csc_uuid4_hex(before); /* this thread's generator is seeded before the fork */
    int fds[2];
    CHECK_EQ_INT(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        char id[33];
        csc_uuid4_hex(id);
        ssize_t n = write(fds[1], id, 32);
        _exit(n == 32 ? 0 : 1);
    }
    CHECK(pid > 0);
    close(fds[1]);
    csc_uuid4_hex(parent);
    CHECK_EQ_INT((int)read(fds[0], child, 32), 32);
    close(fds[0]);
    int status = 0;
    CHECK_EQ_INT(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(tl_is_hex(child, 32));
    CHECK(strcmp(parent, child) != 0);
    CHECK(strcmp(before, child) != 0);
}

static void test_exception_shape(void) {
    tiers_t t = tiers();
    csc_frame_t frames[2] = {
        {.function = "main", .filename = "main.c", .lineno = 10, .in_app = 1},
        {.function = "crash", .module = "mod", .lineno = 20, .colno = 3, .instruction_addr = 0x1000, .in_app = -1},
    };
    csc_exception_t exc = {
        .type = "ValueError", .value = "boom", .module = "pkg", .handled = 1, .frames = frames, .frame_count = 2};
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_exception(&exc, &t.sc, NULL), CSC_OK);
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(ev, "level"), "error");
    json_t *v = json_array_get(tl_path(ev, "exception.values"), 0);
    CHECK_STR(tl_str(v, "type"), "ValueError");
    CHECK_STR(tl_str(v, "value"), "boom");
    CHECK_STR(tl_str(v, "module"), "pkg");
    CHECK_STR(tl_str(v, "mechanism.type"), "generic");
    CHECK(json_is_true(tl_path(v, "mechanism.handled")));
    json_t *fr = tl_path(v, "stacktrace.frames");
    CHECK_EQ_INT(json_array_size(fr), 2);
    CHECK_STR(tl_str(json_array_get(fr, 0), "function"), "main"); /* oldest first */
    CHECK(json_is_true(json_object_get(json_array_get(fr, 0), "in_app")));
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(fr, 1), "lineno")), 20);
    CHECK(json_object_get(json_array_get(fr, 1), "in_app") == NULL); /* -1 = left out */
    CHECK(json_object_get(json_array_get(fr, 0), "module") == NULL); /* NULL = left out */
    json_decref(ev);

    /* chained: cause first */
    json_t *chained = csc_event_new_exception(&(csc_exception_t){.type = "Cause", .value = "c", .handled = -1});
    CHECK(chained != NULL);
    CHECK_EQ_INT(
        csc_event_add_exception(
            chained, &(csc_exception_t){.type = "Outer", .value = "o", .handled = 0, .mechanism_type = "custom"}),
        CSC_OK);
    CHECK_STR(tl_str(chained, "level"), "error");
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_event(chained, &t.sc, NULL), CSC_OK);
    ev = tl_last_event();
    json_t *vals = tl_path(ev, "exception.values");
    CHECK_EQ_INT(json_array_size(vals), 2);
    CHECK_STR(tl_str(json_array_get(vals, 0), "type"), "Cause");
    CHECK_STR(tl_str(json_array_get(vals, 1), "type"), "Outer");
    CHECK_STR(tl_str(json_array_get(vals, 1), "mechanism.type"), "custom");
    CHECK(json_is_false(tl_path(json_array_get(vals, 1), "mechanism.handled")));
    CHECK(tl_path(json_array_get(vals, 0), "mechanism.handled") == NULL);
    json_decref(ev);
    tiers_free(&t);
}

static void test_event_new_message(void) {
    json_t *m = csc_event_new_message("hi", CSC_LEVEL_NONE);
    CHECK_STR(tl_str(m, "message"), "hi");
    CHECK_STR(tl_str(m, "level"), "info");
    json_decref(m);
    m = csc_event_new_message("hi", CSC_LEVEL_FATAL);
    CHECK_STR(tl_str(m, "level"), "fatal");
    json_decref(m);
}

/* ------------------------------------------------------------ trace context */

static void test_trace_context_from_isolation(void) {
    tiers_t t = tiers();
    json_t *ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "contexts.trace.trace_id"), TRACE_I);
    CHECK_STR(tl_str(ev, "contexts.trace.span_id"), SPAN_I);
    CHECK(tl_path(ev, "contexts.trace.dynamic_sampling_context") == NULL); /* moved to the envelope header */
    json_decref(ev);
    /* without an isolation scope, the global one's */
    t.sc.isolation = NULL;
    t.sc.current = NULL;
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "contexts.trace.trace_id"), TRACE_G);
    json_decref(ev);
    /* a user-set trace context is kept */
    t.sc = (csc_scopes_t){.global = t.g, .isolation = t.i, .current = t.c};
    (void)csc_scope_set_context(
        t.c, "trace",
        json_pack("{s:s,s:s}", "trace_id", "33333333333333333333333333333333", "span_id", "3333333333333333"));
    ev = cap(&t.sc, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "contexts.trace.trace_id"), "33333333333333333333333333333333");
    json_decref(ev);
    tiers_free(&t);
}

static void test_trace_context_from_live_isolation_tier(void) {
    csc_scope_token_t tok;
    CHECK_EQ_INT(csc_push_isolation_scope(&tok), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_propagation_context(csc_isolation_scope(), TRACE_I, SPAN_I, NULL), CSC_OK);
    json_t *ev = cap(NULL, CSC_LEVEL_NONE, NULL);
    CHECK_STR(tl_str(ev, "contexts.trace.trace_id"), TRACE_I);
    CHECK_STR(tl_str(ev, "contexts.trace.span_id"), SPAN_I);
    json_decref(ev);
    CHECK_EQ_INT(csc_pop_isolation_scope(&tok), CSC_OK);
}

/* ------------------------------------------------------------ envelope framing */

typedef struct {
    json_t *hdr;
    const char *payload;
    size_t len;
} item_t;

/* Splits serialized envelope bytes into header + items. Returns the number of items, -1 if malformed. */
static int parse_envelope(const char *p, size_t n, json_t **hdr, item_t *items, int max) {
    const char *end = p + n, *nl = memchr(p, '\n', n);
    if (!nl) return -1;
    *hdr = json_loadb(p, (size_t)(nl - p), 0, NULL);
    if (!*hdr) return -1;
    p = nl + 1;
    int count = 0;
    while (p < end && count < max) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return -1;
        json_t *h = json_loadb(p, (size_t)(nl - p), 0, NULL);
        if (!h) return -1;
        json_int_t len = json_integer_value(json_object_get(h, "length"));
        p = nl + 1;
        if (!json_is_integer(json_object_get(h, "length")) || len < 0 || p + len > end) {
            json_decref(h);
            return -1;
        }
        items[count++] = (item_t){h, p, (size_t)len};
        p += len;
        if (p < end) {
            if (*p != '\n') return -1;
            p++;
        }
    }
    return count;
}

static void test_envelope_headers(void) {
    tiers_t t = tiers();
    char id[33] = "";
    tl_sink_reset();
    long long before = (long long)csc_now_us();
    CHECK_EQ_INT(csc_capture_message("env", CSC_LEVEL_NONE, &t.sc, id), CSC_OK);
    csc_envelope_t *e = tl_last_envelope();
    CHECK(e != NULL);
    if (!e) {
        tiers_free(&t);
        return;
    }
    CHECK_EQ_INT(csc_envelope_item_count(e), 1);
    CHECK_STR(csc_envelope_item_type(e, 0), "event");
    CHECK(csc_envelope_item_type(e, 1) == NULL);
    size_t len = 0, plen = 0;
    const char *bytes = csc_envelope_serialize(e, &len);
    const char *payload = csc_envelope_item_payload(e, 0, &plen);
    CHECK(bytes != NULL && payload != NULL);
    if (!bytes || !payload) {
        tiers_free(&t);
        return;
    }
    CHECK(tl_utf8_valid(bytes, len));
    json_t *hdr = NULL;
    item_t items[4];
    int n = parse_envelope(bytes, len, &hdr, items, 4);
    CHECK_EQ_INT(n, 1);
    CHECK_STR(tl_str(hdr, "event_id"), id);
    CHECK_EQ_INT(json_object_size(hdr), 3); /* exactly event_id, sent_at, trace (no dsn, no sdk) */
    long long sent = tl_parse_ts(json_object_get(hdr, "sent_at"));
    CHECK(sent >= before - 1000000 && sent <= (long long)csc_now_us() + 1000000);
    CHECK_STR(tl_str(hdr, "trace.trace_id"), TRACE_I);
    CHECK_STR(tl_str(hdr, "trace.public_key"), "pub123");
    CHECK_STR(tl_str(hdr, "trace.release"), "test@1.0.0");
    CHECK_STR(tl_str(hdr, "trace.environment"), "testing");
    if (n == 1) {
        CHECK_STR(tl_str(items[0].hdr, "type"), "event");
        CHECK_STR(tl_str(items[0].hdr, "content_type"), "application/json");
        CHECK_EQ_INT(items[0].len, plen);
        CHECK(memcmp(items[0].payload, payload, plen) == 0);
        json_t *parsed = json_loadb(items[0].payload, items[0].len, 0, NULL);
        CHECK_STR(tl_str(parsed, "event_id"), id);
        CHECK_STR(tl_str(parsed, "message"), "env");
        json_decref(parsed);
        json_decref(items[0].hdr);
    }
    json_decref(hdr);
    tiers_free(&t);
}

static void test_attachments_follow_event(void) {
    tiers_t t = tiers();
    char path[] = "/tmp/csc_test_attXXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_EQ_INT(write(fd, "from file", 9), 9);
        close(fd);
    }
    CHECK_EQ_INT(csc_scope_add_attachment_bytes(t.g, "G", 1, "g.txt", NULL), CSC_OK);
    CHECK_EQ_INT(csc_scope_add_attachment_bytes(t.i, "{\"a\":1}", 7, "i.json", NULL), CSC_OK);
    CHECK_EQ_INT(csc_scope_add_attachment_bytes(t.c, "\0\1\2", 3, "c.bin", "application/x-custom"), CSC_OK);
    CHECK_EQ_INT(csc_scope_add_attachment_bytes(t.c, "??", 2, "noext", NULL), CSC_OK);
    CHECK_EQ_INT(csc_scope_add_attachment_path(t.c, path, NULL, NULL), CSC_OK);
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("att", CSC_LEVEL_NONE, &t.sc, NULL), CSC_OK);
    unlink(path);
    csc_envelope_t *e = tl_last_envelope();
    CHECK(e != NULL);
    if (!e) {
        tiers_free(&t);
        return;
    }
    CHECK_EQ_INT(csc_envelope_item_count(e), 6);
    size_t len = 0;
    const char *bytes = csc_envelope_serialize(e, &len);
    json_t *hdr = NULL;
    item_t it[8];
    int n = bytes ? parse_envelope(bytes, len, &hdr, it, 8) : -1;
    CHECK_EQ_INT(n, 6);
    if (n == 6) {
        const char *base = strrchr(path, '/') + 1;
        struct {
            const char *filename, *ct, *data;
            size_t len;
        } want[5] = {
            {"g.txt", "text/plain", "G", 1},
            {"i.json", "application/json", "{\"a\":1}", 7},
            {"c.bin", "application/x-custom", "\0\1\2", 3},
            {"noext", "application/octet-stream", "??", 2},
            {base, "application/octet-stream", "from file", 9}, /* no extension in mkstemp names */
        };
        CHECK_STR(tl_str(it[0].hdr, "type"), "event");
        for (int k = 0; k < 5; k++) {
            item_t *x = &it[k + 1];
            CHECK_STR(tl_str(x->hdr, "type"), "attachment");
            CHECK_STR(tl_str(x->hdr, "filename"), want[k].filename);
            CHECK_STR(tl_str(x->hdr, "content_type"), want[k].ct);
            CHECK_EQ_INT(x->len, want[k].len);
            CHECK(x->len == want[k].len && memcmp(x->payload, want[k].data, x->len) == 0);
            size_t plen = 0;
            const char *p = csc_envelope_item_payload(e, (size_t)k + 1, &plen);
            CHECK(p && plen == want[k].len);
        }
    }
    for (int k = 0; k < n; k++) json_decref(it[k].hdr);
    json_decref(hdr);
    tiers_free(&t);
}

static void test_prepare_json(void) {
    tiers_t t = tiers();
    (void)csc_scope_set_tag(t.g, "k", "g");
    (void)csc_scope_set_tag(t.c, "k", "c");
    (void)csc_scope_add_event_processor(t.c, proc_drop, "P", NULL);
    order[0] = 0;
    before_send_calls = 0;
    tl_sink_reset();
    size_t len = 0;
    json_t *event =
        csc_event_new_message("prep", CSC_LEVEL_NONE); /* borrowed by prepare_json (not documented as stolen) */
    char *s = csc_event_prepare_json(event, &t.sc, &len);
    CHECK(s != NULL);
    if (s) {
        CHECK_EQ_INT(len, strlen(s));
        json_t *ev = json_loads(s, 0, NULL);
        CHECK(ev != NULL);
        CHECK_STR(tl_str(ev, "tags.k"), "c");
        CHECK_STR(tl_str(ev, "message"), "prep");
        CHECK_STR(tl_str(ev, "contexts.trace.trace_id"), TRACE_I);
        json_decref(ev);
        free(s);
    }
    CHECK_STR(tl_str(event, "message"), "prep"); /* still ours */
    json_decref(event);
    CHECK_STR(order, "");               /* no processors */
    CHECK_EQ_INT(before_send_calls, 0); /* no before_send */
    CHECK_EQ_INT(tl_sink.total, 0);     /* nothing sent */
    tiers_free(&t);
}

static void test_disabled(void) {
    tiers_t t = tiers();
    CHECK(csc_is_enabled());
    CHECK_EQ_INT(csc_close(), CSC_OK);
    CHECK(!csc_is_enabled());
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, &t.sc, NULL), CSC_ERR_DISABLED);
    CHECK_EQ_INT(csc_capture_event(json_object(), &t.sc, NULL), CSC_ERR_DISABLED);
    CHECK_EQ_INT(tl_sink.total, 0);
    /* no transport and no DSN: disabled as well */
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_dsn(o, NULL);
    (void)csc_init(o);
    CHECK(!csc_is_enabled());
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, &t.sc, NULL), CSC_ERR_DISABLED);
    CHECK_EQ_INT(start(1.0), CSC_OK);
    CHECK(csc_is_enabled());
    tiers_free(&t);
}

int main(void) {
    unsetenv("SENTRY_DSN");
    if (start(1.0) != CSC_OK) {
        fprintf(stderr, "csc_init failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_tag_precedence_per_key);
    RUN(test_remove_cannot_delete_inherited_tag);
    RUN(test_tags_keep_json_types);
    RUN(test_user_whole_object);
    RUN(test_null_user_and_level_do_not_unset);
    RUN(test_empty_fingerprint_overrides);
    RUN(test_scope_level_beats_capture_level);
    RUN(test_capture_event_without_level);
    RUN(test_contexts_replaced_whole_per_key);
    RUN(test_transaction_info_accumulates);
    RUN(test_extras_breadth_cut);
    RUN(test_breadcrumbs_merged_chronologically);
    RUN(test_breadcrumb_meta_sums_over_tiers);
    RUN(test_event_values_kept_or_updated);
    RUN(test_processor_order_and_extra_ignored);
    RUN(test_processor_drop);
    RUN(test_before_send_modify_and_drop);
    RUN(test_sample_rate_zero_drops_after_before_send);
    RUN(test_event_fields);
    RUN(test_release_environment_not_overridden_when_event_has_them);
    RUN(test_platform_and_sdk_options);
    RUN(test_server_name_option);
    RUN(test_default_contexts);
    RUN(test_scrubber_without_pii);
    RUN(test_release_hook);
    RUN(test_flush_with_custom_transport);
    RUN(test_uuid4);
    RUN(test_uuid4_differs_after_fork);
    RUN(test_exception_shape);
    RUN(test_event_new_message);
    RUN(test_trace_context_from_isolation);
    RUN(test_trace_context_from_live_isolation_tier);
    RUN(test_envelope_headers);
    RUN(test_attachments_follow_event);
    RUN(test_prepare_json);
    RUN(test_disabled);
    (void)csc_close();
    tl_sink_reset();
    return TL_DONE();
}

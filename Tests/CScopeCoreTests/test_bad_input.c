/*
 * test_bad_input.c: every public function fed NULLs and bad data returns its
 * documented status and never crashes; invalid UTF-8 is repaired; long strings
 * are cut at character boundaries; deep JSON is rejected; malformed DSNs leave
 * the SDK disabled. Stolen references are released on error (ASan/LSan checks).
 */
#include <math.h>

#include "testlib.h"

#define FFFD "\xef\xbf\xbd"

static const char *tag_of(csc_scope_t *s, const char *key) {
    static char buf[2048];
    json_t *j = csc_scope_to_json(s);
    const char *v = json_string_value(json_object_get(json_object_get(j, "tags"), key));
    snprintf(buf, sizeof buf, "%s", v ? v : "<absent>");
    json_decref(j);
    return buf;
}

/* The single tag key of the scope ("<none>" when none or more than one); static buffer. */
static const char *only_tag_key(csc_scope_t *s) {
    static char buf[2048];
    json_t *j = csc_scope_to_json(s);
    json_t *t = json_object_get(j, "tags");
    snprintf(buf, sizeof buf, "%s", "<none>");
    if (json_object_size(t) == 1) {
        void *it = json_object_iter(t);
        snprintf(buf, sizeof buf, "%s", json_object_iter_key(it));
    }
    json_decref(j);
    return buf;
}

/* ------------------------------------------------------------ NULL handles and strings */

static void test_null_scope_functions(void) {
    csc_scope_t *s = csc_scope_new();
    char out[33];
    csc_breadcrumb_t c = {.message = "m", .level = CSC_LEVEL_NONE};
    CHECK(csc_scope_retain(NULL) == NULL);
    csc_scope_release(NULL);
    CHECK(csc_scope_fork(NULL) == NULL);
    CHECK_EQ_INT(csc_scope_clear(NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_update_from(NULL, s), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_update_from(s, NULL), CSC_ERR_NULL);

    CHECK_EQ_INT(csc_scope_set_tag(NULL, "k", "v"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_tag(s, NULL, "v"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_tag(s, "k", NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_tag_n(NULL, "k", 1, "v", 1), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_tag_n(s, NULL, 1, "v", 1), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_tag_n(s, "k", 1, NULL, 1), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_tag_json(NULL, "k", json_string("stolen")), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_tag_json(s, NULL, json_string("stolen")), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "k", NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_remove_tag(NULL, "k"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_remove_tag(s, NULL), CSC_ERR_NULL);

    CHECK_EQ_INT(csc_scope_set_extra(NULL, "k", json_string("stolen")), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_extra(s, NULL, json_string("stolen")), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_extra(s, "k", NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_remove_extra(NULL, "k"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_remove_extra(s, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_context(NULL, "k", json_object()), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_context(s, NULL, json_object()), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_context(s, "k", NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_remove_context(NULL, "k"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_remove_context(s, NULL), CSC_ERR_NULL);

    CHECK_EQ_INT(csc_scope_set_user(NULL, json_object()), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_level(NULL, CSC_LEVEL_INFO), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_transaction(NULL, "t", NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_fingerprint(NULL, NULL, 0), CSC_ERR_NULL);

    CHECK_EQ_INT(csc_scope_add_breadcrumb(NULL, &c), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, NULL), CSC_ERR_NULL);
    json_t *cj = json_pack("{s:s}", "message", "m");
    CHECK_EQ_INT(csc_scope_add_breadcrumb_json(NULL, cj), CSC_ERR_NULL);
    json_decref(cj);
    CHECK_EQ_INT(csc_scope_add_breadcrumb_json(s, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_clear_breadcrumbs(NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(NULL), 0);

    CHECK_EQ_INT(csc_scope_add_attachment_bytes(NULL, "x", 1, "f", NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_add_attachment_bytes(s, NULL, 1, "f", NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_add_attachment_bytes(s, "x", 1, NULL, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_add_attachment_path(NULL, "/tmp/x", NULL, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_add_attachment_path(s, NULL, NULL, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_clear_attachments(NULL), CSC_ERR_NULL);

    CHECK_EQ_INT(csc_scope_add_event_processor(NULL, (csc_event_processor_fn)NULL, NULL, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_add_event_processor(s, NULL, NULL, NULL), CSC_ERR_NULL);

    CHECK_EQ_INT(csc_scope_set_propagation_context(NULL, "0123456789abcdef0123456789abcdef", "0123456789abcdef", NULL),
                 CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_propagation_context(s, NULL, "0123456789abcdef", NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_propagation_context(s, "0123456789abcdef0123456789abcdef", NULL, NULL), CSC_ERR_NULL);
    CHECK(!csc_scope_get_trace_id(NULL, out));
    CHECK_EQ_INT(csc_scope_new_trace(NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_scope_set_span(NULL, NULL, NULL, NULL), CSC_ERR_NULL);
    CHECK(csc_scope_get_span(NULL) == NULL);
    CHECK(!csc_scope_get_last_event_id(NULL, out));
    CHECK_EQ_INT(csc_scope_get_level(NULL), CSC_LEVEL_NONE);
    CHECK(csc_scope_to_json(NULL) == NULL);

    /* nothing of the above reached the scope */
    json_t *j = csc_scope_to_json(s);
    CHECK(j != NULL);
    CHECK(json_object_get(j, "tags") == NULL || json_object_size(json_object_get(j, "tags")) == 0);
    CHECK(json_object_get(j, "extra") == NULL || json_object_size(json_object_get(j, "extra")) == 0);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 0);
    json_decref(j);
    csc_scope_release(s);
}

static void test_null_tiers_options_events(void) {
    CHECK_EQ_INT(csc_push_scope(NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_push_isolation_scope(NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_pop_scope(NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_pop_isolation_scope(NULL), CSC_ERR_NULL);
    csc_scope_storage_t half = {NULL, NULL, NULL};
    CHECK(csc_set_scope_storage(&half) < 0);
    CHECK(csc_current_scope() != NULL); /* the default storage is still in place */

    csc_options_free(NULL);
    CHECK_EQ_INT(csc_options_set_dsn(NULL, "x"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_release(NULL, "x"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_environment(NULL, "x"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_dist(NULL, "x"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_server_name(NULL, "x"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_platform(NULL, "x"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_sdk(NULL, "x", "y"), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_max_breadcrumbs(NULL, 1), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_sample_rate(NULL, 1.0), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_send_default_pii(NULL, true), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_debug(NULL, true), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_before_send(NULL, NULL, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_before_breadcrumb(NULL, NULL, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_transport(NULL, NULL, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_init(NULL), CSC_ERR_NULL);

    csc_options_t *o = csc_options_new();
    CHECK(o != NULL);
    CHECK_EQ_INT(csc_options_set_max_breadcrumbs(o, CSC_MAX_BREADCRUMBS_LIMIT), CSC_OK);
    CHECK_EQ_INT(csc_options_set_max_breadcrumbs(o, CSC_MAX_BREADCRUMBS_LIMIT + 1), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_options_set_sample_rate(o, -0.1), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_options_set_sample_rate(o, 1.5), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_options_set_sample_rate(o, NAN), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_options_set_release(o, NULL), CSC_OK); /* NULL resets */
    csc_options_free(o);

    CHECK(csc_event_new_message(NULL, CSC_LEVEL_INFO) == NULL);
    CHECK(csc_event_new_exception(NULL) == NULL);
    json_t *ev = json_object();
    csc_exception_t exc = {.type = "T", .value = "v", .handled = -1};
    CHECK_EQ_INT(csc_event_add_exception(NULL, &exc), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_event_add_exception(ev, NULL), CSC_ERR_NULL);
    json_decref(ev);

    size_t len = 7;
    CHECK(csc_envelope_serialize(NULL, &len) == NULL);
    (void)csc_envelope_event_id(NULL);
    CHECK_EQ_INT(csc_envelope_item_count(NULL), 0);
    CHECK(csc_envelope_item_type(NULL, 0) == NULL);
    CHECK(csc_envelope_item_payload(NULL, 0, &len) == NULL);
    CHECK(csc_envelope_get_event(NULL) == NULL);
    csc_envelope_free(NULL);

    CHECK_EQ_INT(csc_capture_event(NULL, NULL, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_capture_message(NULL, CSC_LEVEL_INFO, NULL, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_capture_exception(NULL, NULL, NULL), CSC_ERR_NULL);
    CHECK(csc_event_prepare_json(NULL, NULL, &len) == NULL);

    CHECK(csc_status_str(CSC_OK) != NULL);
    CHECK(csc_status_str(CSC_ERR_TIMEOUT) != NULL);
    CHECK(csc_status_str(12345) != NULL);
    CHECK(csc_status_str(-12345) != NULL);
    CHECK(strcmp(csc_status_str(CSC_ERR_NULL), csc_status_str(CSC_ERR_DEPTH)) != 0);
}

static void test_envelope_out_of_range(void) {
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, NULL, NULL), CSC_OK);
    csc_envelope_t *e = tl_last_envelope();
    CHECK(e != NULL);
    size_t len = 99;
    CHECK(csc_envelope_item_type(e, 5) == NULL);
    CHECK(csc_envelope_item_payload(e, 5, &len) == NULL);
}

/* ------------------------------------------------------------ UTF-8 repair */

static void test_invalid_utf8_tags_repaired(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_set_tag(s, "ok",
                                   "a\xff"
                                   "b"),
                 CSC_REPAIRED);
    CHECK_STR(tag_of(s, "ok"), "a" FFFD "b");
    CHECK_EQ_INT(csc_scope_remove_tag(s, "ok"), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_tag(s, "k\xc3", "v"), CSC_REPAIRED); /* truncated sequence at the end */
    CHECK_STR(only_tag_key(s), "k" FFFD);
    (void)csc_scope_clear(s);
    CHECK_EQ_INT(csc_scope_set_tag(s, "over\xc0\xaflong", "surr\xed\xa0\x80"), CSC_REPAIRED);
    const char *k = only_tag_key(s);
    CHECK(tl_utf8_valid(k, strlen(k)));
    CHECK(strstr(k, FFFD) != NULL);
    json_t *j = csc_scope_to_json(s);
    char *dump = json_dumps(j, 0);
    CHECK(dump != NULL && tl_utf8_valid(dump, strlen(dump)));
    free(dump);
    json_decref(j);
    /* valid multi-byte UTF-8 is left alone */
    CHECK_EQ_INT(csc_scope_set_tag(s, "ü", "日本😀"), CSC_OK);
    CHECK_STR(tag_of(s, "ü"), "日本😀");
    csc_scope_release(s);
}

static void test_invalid_utf8_message_and_breadcrumb(void) {
    csc_scope_t *s = csc_scope_new();
    csc_breadcrumb_t c = {.message = "crumb\xfe", .category = "c\x80t", .level = CSC_LEVEL_NONE};
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &c), CSC_REPAIRED);
    csc_kv_t kv = CSC_KV_STR("d\xff", "v\xff");
    csc_breadcrumb_t d = {.message = "data", .level = CSC_LEVEL_NONE, .data = &kv, .data_count = 1};
    CHECK(csc_scope_add_breadcrumb(s, &d) >= 0);
    csc_scopes_t sc = {.current = s};
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("bad \xf5\x80 message \xe2\x82", CSC_LEVEL_NONE, &sc, NULL), CSC_OK);
    csc_envelope_t *e = tl_last_envelope();
    CHECK(e != NULL);
    if (e) {
        size_t len = 0;
        const char *bytes = csc_envelope_serialize(e, &len);
        CHECK(bytes != NULL && tl_utf8_valid(bytes, len));
        json_t *ev = csc_envelope_get_event(e);
        CHECK(ev != NULL);
        const char *m = tl_str(ev, "message");
        CHECK(m && strncmp(m, "bad ", 4) == 0 && strstr(m, FFFD) && strstr(m, " message "));
        json_t *b0 = json_array_get(tl_crumbs(ev), 0);
        CHECK_STR(tl_str(b0, "message"), "crumb" FFFD);
        CHECK_STR(tl_str(b0, "category"), "c" FFFD "t");
        json_t *b1 = json_array_get(tl_crumbs(ev), 1);
        CHECK_STR(tl_str(b1, "data.d" FFFD), "v" FFFD);
        json_decref(ev);
    }
    csc_scope_release(s);
}

static void test_invalid_utf8_exception(void) {
    csc_exception_t exc = {.type = "Bad\xff", .value = "v\xc3\x28", .handled = -1};
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_exception(&exc, NULL, NULL), CSC_OK);
    csc_envelope_t *e = tl_last_envelope();
    size_t len = 0;
    const char *bytes = e ? csc_envelope_serialize(e, &len) : NULL;
    CHECK(bytes != NULL && tl_utf8_valid(bytes, len));
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(json_array_get(tl_path(ev, "exception.values"), 0), "type"), "Bad" FFFD);
    json_decref(ev);
}

/* ------------------------------------------------------------ truncation */

static char *repeat(const char *unit, size_t times) {
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    for (size_t i = 0; i < times; i++) memcpy(s + i * u, unit, u);
    s[u * times] = 0;
    return s;
}

static void test_tag_truncation_at_char_boundary(void) {
    csc_scope_t *s = csc_scope_new();
    char *ascii = repeat("a", 250);
    CHECK_EQ_INT(csc_scope_set_tag(s, ascii, "v"), CSC_TRUNCATED);
    const char *k = only_tag_key(s);
    CHECK_EQ_INT(strlen(k), CSC_MAX_TAG_KEY_LEN);
    (void)csc_scope_clear(s);

    const char *units[] = {"é", "€", "😀"}; /* 2, 3 and 4 bytes */
    for (int u = 0; u < 3; u++) {
        char *v = repeat(units[u], 300);
        CHECK_EQ_INT(csc_scope_set_tag(s, "t", v), CSC_TRUNCATED);
        const char *got = tag_of(s, "t");
        CHECK(tl_utf8_valid(got, strlen(got)));
        CHECK_EQ_INT(tl_utf8_chars(got), CSC_MAX_TAG_VALUE_LEN);
        CHECK_EQ_INT(strlen(got), CSC_MAX_TAG_VALUE_LEN * strlen(units[u]));
        free(v);
    }
    /* 199 ASCII + a 3-byte char straddling byte 200: the whole character is kept (200 chars) */
    char *mixed = malloc(199 + 3 * 5 + 1);
    memset(mixed, 'x', 199);
    strcpy(mixed + 199, "€€€€€");
    CHECK_EQ_INT(csc_scope_set_tag(s, "m", mixed), CSC_TRUNCATED);
    const char *got = tag_of(s, "m");
    CHECK_EQ_INT(strlen(got), 202);
    CHECK(strcmp(got + 199, "€") == 0);
    free(mixed);
    /* exactly at the limit: not cut */
    char *exact = repeat("€", CSC_MAX_TAG_VALUE_LEN);
    CHECK_EQ_INT(csc_scope_set_tag(s, "x", exact), CSC_OK);
    CHECK_STR(tag_of(s, "x"), exact);
    free(exact);
    /* both cut and repaired */
    char *both = repeat("\xff", 300);
    CHECK_EQ_INT(csc_scope_set_tag(s, "both", both), CSC_TRUNCATED_AND_REPAIRED);
    got = tag_of(s, "both");
    CHECK_EQ_INT(tl_utf8_chars(got), CSC_MAX_TAG_VALUE_LEN);
    CHECK(tl_utf8_valid(got, strlen(got)));
    free(both);
    /* the _n variant cuts too */
    char *longv = repeat("b", 500);
    CHECK_EQ_INT(csc_scope_set_tag_n(s, "n", 1, longv, 500), CSC_TRUNCATED);
    CHECK_EQ_INT(strlen(tag_of(s, "n")), 200);
    free(longv);
    free(ascii);
    csc_scope_release(s);
}

static void test_transaction_and_message_cut(void) {
    csc_scope_t *s = csc_scope_new();
    char *t = repeat("€", CSC_MAX_TRANSACTION_LEN + 10);
    CHECK_EQ_INT(csc_scope_set_transaction(s, t, NULL), CSC_TRUNCATED);
    json_t *j = csc_scope_to_json(s);
    CHECK_EQ_INT(tl_utf8_chars(tl_str(j, "transaction") ? tl_str(j, "transaction") : ""), CSC_MAX_TRANSACTION_LEN);
    json_decref(j);
    free(t);
    char *m = repeat("é", CSC_MAX_MESSAGE_LEN + 50);
    csc_scopes_t sc = {.current = s};
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message(m, CSC_LEVEL_NONE, &sc, NULL), CSC_OK);
    json_t *ev = tl_last_event();
    const char *msg = tl_str(ev, "message");
    CHECK(msg != NULL && tl_utf8_chars(msg) == CSC_MAX_MESSAGE_LEN);
    json_decref(ev);
    free(m);
    csc_scope_release(s);
}

/* ------------------------------------------------------------ JSON depth */

/* `depth` nested arrays around an integer: depth 1 = [1]. */
static json_t *nested(int depth) {
    json_t *v = json_integer(1);
    for (int i = 0; i < depth; i++) {
        json_t *a = json_array();
        json_array_append_new(a, v);
        v = a;
    }
    return v;
}

static json_t *nested_obj(int depth) {
    json_t *v = json_integer(1);
    for (int i = 0; i < depth; i++) v = json_pack("{s:o}", "k", v);
    return v;
}

static void test_json_depth(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_set_extra(s, "e", json_string("prev")), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_extra(s, "e", nested(CSC_MAX_JSON_DEPTH + 1)), CSC_ERR_DEPTH);
    CHECK_EQ_INT(csc_scope_set_extra(s, "e", nested(200)), CSC_ERR_DEPTH);
    json_t *j = csc_scope_to_json(s);
    CHECK_STR(tl_str(j, "extra.e"), "prev");
    json_decref(j);
    CHECK_EQ_INT(csc_scope_set_extra(s, "ok", nested(CSC_MAX_JSON_DEPTH)), CSC_OK);

    CHECK_EQ_INT(csc_scope_set_context(s, "c", json_pack("{s:s}", "v", "prev")), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_context(s, "c", nested_obj(CSC_MAX_JSON_DEPTH + 1)), CSC_ERR_DEPTH);
    j = csc_scope_to_json(s);
    CHECK_STR(tl_str(j, "contexts.c.v"), "prev");
    json_decref(j);

    CHECK_EQ_INT(csc_scope_set_tag(s, "t", "prev"), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "t", nested(CSC_MAX_JSON_DEPTH + 1)), CSC_ERR_DEPTH);
    CHECK_STR(tag_of(s, "t"), "prev");

    CHECK_EQ_INT(csc_scope_set_user(s, json_pack("{s:s}", "id", "prev")), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_user(s, nested_obj(CSC_MAX_JSON_DEPTH + 1)), CSC_ERR_DEPTH);
    j = csc_scope_to_json(s);
    CHECK_STR(tl_str(j, "user.id"), "prev");
    json_decref(j);

    json_t *deep = nested(CSC_MAX_JSON_DEPTH + 1);
    csc_breadcrumb_t c = {.message = "m", .level = CSC_LEVEL_NONE, .data_json = NULL};
    csc_kv_t kv = {.key = "deep", .type = CSC_KV_JSON, .v = {.json = deep}};
    c.data = &kv;
    c.data_count = 1;
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &c), CSC_ERR_DEPTH);
    csc_breadcrumb_t c2 = {.message = "m", .level = CSC_LEVEL_NONE, .data_json = NULL};
    json_t *deep_obj = json_pack("{s:O}", "deep", deep);
    c2.data_json = deep_obj;
    CHECK_EQ_INT(csc_scope_add_breadcrumb(s, &c2), CSC_ERR_DEPTH);
    json_decref(deep_obj);
    json_t *crumb = json_pack("{s:s,s:O}", "message", "m", "data", deep);
    CHECK_EQ_INT(csc_scope_add_breadcrumb_json(s, crumb), CSC_ERR_DEPTH);
    json_decref(crumb);
    json_decref(deep);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 0);
    csc_scope_release(s);
}

/* ------------------------------------------------------------ user, level, propagation context */

static void test_wrong_types_rejected(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_set_context(s, "c", json_string("x")), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_scope_set_context(s, "c", json_null()), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_scope_set_user(s, json_pack("{s:s}", "id", "prev")), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_user(s, json_string("not a user")), CSC_ERR_INVALID);
    json_t *j = csc_scope_to_json(s);
    CHECK_STR(tl_str(j, "user.id"), "prev");
    CHECK(tl_path(j, "contexts.c") == NULL);
    json_decref(j);
    CHECK_EQ_INT(csc_scope_set_level(s, CSC_LEVEL_ERROR), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_level(s, (csc_level_t)42), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_scope_get_level(s), CSC_LEVEL_ERROR);

    char before[33] = "", after[33] = "";
    CHECK_EQ_INT(csc_scope_set_propagation_context(s, "0123456789abcdef0123456789abcdef", "0123456789abcdef", NULL),
                 CSC_OK);
    CHECK(csc_scope_get_trace_id(s, before));
    const char *bad_traces[] = {"0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
                                "0123456789ABCDEF0123456789abcdef", "0123456789abcdef0123456789abcdeg", ""};
    for (size_t i = 0; i < sizeof bad_traces / sizeof *bad_traces; i++)
        CHECK_EQ_INT(csc_scope_set_propagation_context(s, bad_traces[i], "0123456789abcdef", NULL), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_scope_set_propagation_context(s, "fedcba9876543210fedcba9876543210", "0123456789abcde", NULL),
                 CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_scope_set_propagation_context(s, "fedcba9876543210fedcba9876543210", "0123456789abcdef", "xyz"),
                 CSC_ERR_INVALID);
    CHECK(csc_scope_get_trace_id(s, after));
    CHECK_STR(after, before);
    csc_scope_release(s);
}

/* ------------------------------------------------------------ DSN */

static void test_malformed_dsn(void) {
    const char *bad[] = {
        "not a dsn",
        "ftp://key@o1.ingest.sentry.io/42",
        "https://o1.ingest.sentry.io/42",      /* no public key */
        "https://key@/42",                     /* no host */
        "https://key@o1.ingest.sentry.io/",    /* no project */
        "https://key@o1.ingest.sentry.io/4<2", /* project id a URL cannot hold (any URL-safe string is one: issue 16) */
        "https://key@o1.ingest.sentry.io:notaport/42",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        csc_options_t *o = tl_options(); /* has a transport: only the DSN can disable it */
        (void)csc_options_set_dsn(o, bad[i]);
        int rc = tl_start(o);
        if (rc != CSC_ERR_PARSE) TL_FAIL_("csc_init with DSN \"%s\" returned %d, want CSC_ERR_PARSE", bad[i], rc);
        if (csc_is_enabled()) TL_FAIL_("SDK enabled after malformed DSN \"%s\"", bad[i]);
        CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, NULL, NULL), CSC_ERR_DISABLED);
        CHECK_EQ_INT(tl_sink.total, 0);
    }
    csc_options_t *o = tl_options();
    CHECK_EQ_INT(csc_options_set_dsn(o, "https://key:secret@o1.ingest.sentry.io:8443/prefix/42"), CSC_OK);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    CHECK(csc_is_enabled());
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, NULL, NULL), CSC_OK);
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
}

typedef struct {
    int calls;
    char last[256];
} log_sink_t;

static void log_to_sink(const char *message, void *user_data) {
    log_sink_t *l = user_data;
    l->calls++;
    snprintf(l->last, sizeof l->last, "%s", message);
}

/* A malformed DSN is reported through the user's logger (also without debug), never with the key;
 * with debug on, the other diagnostics go there too instead of stderr. */
static void test_logger_receives_diagnostics(void) {
    log_sink_t log = {0};
    csc_options_t *o = tl_options();
    (void)csc_options_set_logger(o, log_to_sink, &log);
    (void)csc_options_set_dsn(o, "https://secretkey123@/42");
    CHECK_EQ_INT(tl_start(o), CSC_ERR_PARSE);
    CHECK_EQ_INT(log.calls, 1);
    CHECK(strstr(log.last, "invalid DSN") != NULL);
    CHECK(strstr(log.last, "secretkey123") == NULL);
    CHECK_EQ_INT(csc_options_set_logger(NULL, log_to_sink, NULL), CSC_ERR_NULL);

    log = (log_sink_t){0};
    o = csc_options_new(); /* no DSN, no transport: disabled, said only with debug */
    (void)csc_options_set_logger(o, log_to_sink, &log);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    CHECK_EQ_INT(log.calls, 0);
    o = csc_options_new();
    (void)csc_options_set_logger(o, log_to_sink, &log);
    (void)csc_options_set_debug(o, true);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    CHECK(log.calls >= 1);
    CHECK(strstr(log.last, "disabled") != NULL);
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
}

static void test_attachment_path_missing_file(void) {
    csc_scope_t *s = csc_scope_new();
    int rc = csc_scope_add_attachment_path(s, "/nonexistent/dir/file.txt", NULL, NULL);
    CHECK(rc == CSC_OK || rc == CSC_ERR_IO);
    csc_scopes_t sc = {.current = s};
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, &sc, NULL), CSC_OK); /* the event is still sent */
    csc_envelope_t *e = tl_last_envelope();
    CHECK(e != NULL && strcmp(csc_envelope_item_type(e, 0), "event") == 0);
    csc_scope_release(s);
}

/* ------------------------------------------------------------ found by fuzzing (issue 14) */

/* Every header line and JSON payload of the serialized envelope parses back with jansson
 * (as the disk cache and the crash reader do); returns the number of items read, -1 if any fails. */
static int envelope_reparses(csc_envelope_t *e) {
    size_t len = 0;
    const char *p = csc_envelope_serialize(e, &len);
    if (!p) return -1;
    const char *end = p + len, *nl = memchr(p, '\n', len);
    if (!nl) return -1;
    json_t *h = json_loadb(p, (size_t)(nl - p), 0, NULL);
    if (!h) return -1;
    json_decref(h);
    int items = 0;
    p = nl + 1;
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        json_t *ih = json_loadb(p, nl ? (size_t)(nl - p) : (size_t)(end - p), 0, NULL);
        if (!ih || !nl) {
            json_decref(ih);
            return -1;
        }
        size_t n = (size_t)json_integer_value(json_object_get(ih, "length"));
        const char *type = json_string_value(json_object_get(ih, "type"));
        bool is_json = type && (!strcmp(type, "event") || !strcmp(type, "client_report"));
        json_decref(ih);
        p = nl + 1;
        if (n > (size_t)(end - p)) return -1;
        if (is_json) {
            json_t *pl = json_loadb(p, n, 0, NULL);
            if (!pl) return -1;
            json_decref(pl);
        }
        p += n;
        if (p < end && *p == '\n') p++;
        items++;
    }
    return items;
}

/* An attachment's filename and content type with invalid UTF-8 (and NUL-free garbage) went into
 * the item header as is: the envelope did not parse back and a cached one was deleted as corrupt. */
static void test_fuzz_attachment_header_invalid_utf8(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_add_attachment_bytes(s, "abc", 3, "log\xff\xfe.txt", "text/\xc3(plain"), CSC_OK);
    csc_scopes_t sc = {.current = s};
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, &sc, NULL), CSC_OK);
    csc_envelope_t *e = tl_last_envelope();
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ_INT(envelope_reparses(e), 2);
        size_t len = 0;
        const char *p = csc_envelope_serialize(e, &len);
        CHECK(p && tl_utf8_valid(p, len - 3) && memmem(p, len, "log" FFFD FFFD ".txt", 11) != NULL);
    }
    csc_scope_release(s);
}

/* csc_scope_set_tag(s, "", "v") passed NULL to memcpy/memcmp in the map (UBSan aborted). Empty
 * tag keys are kept, as the Python SDK keeps them (scenario empty_strings); Relay drops them. */
static void test_fuzz_empty_keys(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_set_tag(s, "", "v"), CSC_OK);
    CHECK_STR(tag_of(s, ""), "v");
    CHECK_EQ_INT(csc_scope_set_tag_n(s, "x", 0, "w", 1), CSC_OK); /* the same empty key */
    CHECK_STR(tag_of(s, ""), "w");
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "", json_integer(1)), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "", json_string("v")), CSC_OK);
    CHECK_STR(only_tag_key(s), "");
    CHECK_EQ_INT(csc_scope_remove_tag(s, ""), CSC_OK);
    CHECK_STR(only_tag_key(s), "<none>");
    csc_scope_t *e = csc_scope_new(); /* empty key and value in a fresh map: no heap at all */
    CHECK_EQ_INT(csc_scope_set_tag(e, "", ""), CSC_OK);
    CHECK_STR(tag_of(e, ""), "");
    csc_scope_t *u = csc_scope_new();
    CHECK_EQ_INT(csc_scope_update_from(u, e), CSC_OK);
    CHECK_EQ_INT(csc_scope_remove_tag(u, ""), CSC_OK);
    csc_scope_release(u);
    csc_scope_release(e);
    CHECK_EQ_INT(csc_scope_set_tag(s, "k", ""), CSC_OK);
    CHECK_STR(tag_of(s, "k"), "");
    CHECK_EQ_INT(csc_scope_set_extra(s, "", json_string("e")), CSC_OK); /* the map itself takes "" */
    CHECK_EQ_INT(csc_scope_set_extra(s, "", json_string("f")), CSC_OK);
    CHECK_EQ_INT(csc_scope_remove_extra(s, ""), CSC_OK);
    CHECK_EQ_INT(csc_scope_remove_tag(s, ""), CSC_OK);
    csc_scope_t *f = csc_scope_fork(s); /* copy-on-write of a map holding empty strings */
    CHECK_EQ_INT(csc_scope_set_tag(f, "k2", ""), CSC_OK);
    CHECK_STR(tag_of(f, "k"), "");
    csc_scope_release(f);
    csc_scope_release(s);
}

/* NUL inside tag keys or values (the _n setters) became "\u0000", which jansson refuses to read
 * back: cached events and crash reports holding it could not be re-read. NUL -> U+FFFD, CSC_REPAIRED. */
static void test_fuzz_nul_in_tags(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_set_tag_n(s, "a\0b", 3, "x\0y\0\0z", 6), CSC_REPAIRED);
    CHECK_STR(tag_of(s, "a" FFFD "b"), "x" FFFD "y" FFFD FFFD "z");
    CHECK_EQ_INT(csc_scope_set_tag_n(s, "12345678\0", 9, "abcdefgh12345678\0", 17), CSC_REPAIRED); /* the 8-byte scan */
    CHECK_STR(tag_of(s, "12345678" FFFD), "abcdefgh12345678" FFFD);
    csc_scopes_t sc = {.current = s};
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, &sc, NULL), CSC_OK);
    csc_envelope_t *e = tl_last_envelope();
    CHECK(e != NULL && envelope_reparses(e) == 1);
    size_t len = 0;
    const char *p = e ? csc_envelope_serialize(e, &len) : NULL;
    CHECK(p && !memmem(p, len, "\\u0000", 6));
    csc_scope_release(s);
}

/* Strings from jansson's unchecked constructors (invalid UTF-8, NUL) in a host's json_t made every
 * later capture on that scope fail with CSC_ERR_NOMEM: now written repaired (U+FFFD), event kept. */
static void test_fuzz_nocheck_json_strings(void) {
    csc_scope_t *s = csc_scope_new();
    json_t *bag = json_object();
    json_object_set_new(bag, "bad",
                        json_stringn_nocheck("a\xff\xfe"
                                             "b",
                                             4));
    json_object_set_new(bag, "nul", json_stringn_nocheck("c\0d", 3));
    json_object_set_new_nocheck(bag, "key\xc3", json_true());
    json_object_set_new(bag, "list", json_pack("[o]", json_stringn_nocheck("\xed\xa0\x80", 3)));
    CHECK_EQ_INT(csc_scope_set_extra(s, "host", bag), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_context(s, "ctx", json_pack("{s:o}", "v", json_string_nocheck("\x80"))), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "t", json_stringn_nocheck("q\xff", 2)), CSC_REPAIRED);
    csc_breadcrumb_t bc = {.message = "crumb", .level = CSC_LEVEL_NONE};
    json_t *data = json_pack("{s:o}", "d", json_stringn_nocheck("\xf8\0", 2));
    csc_kv_t kv = {.key = "j", .type = CSC_KV_JSON, .v = {.json = data}};
    bc.data = &kv;
    bc.data_count = 1;
    (void)csc_scope_add_breadcrumb(s, &bc);
    json_decref(data);
    csc_scopes_t sc = {.current = s};
    for (int round = 0; round < 2; round++) { /* every capture, not only the first */
        tl_sink_reset();
        CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, &sc, NULL), CSC_OK);
        csc_envelope_t *e = tl_last_envelope();
        CHECK(e != NULL && envelope_reparses(e) == 1);
        json_t *ev = tl_last_event();
        CHECK_STR(tl_str(ev, "extra.host.bad"), "a" FFFD FFFD "b");
        CHECK_STR(tl_str(ev, "extra.host.nul"), "c" FFFD "d");
        CHECK(json_is_true(tl_path(ev, "extra.host.key" FFFD)));
        CHECK_STR(tl_str(ev, "contexts.ctx.v"), FFFD);
        json_decref(ev);
    }
    /* found by fuzz_scope: jansson ignores its failure to write a key, so a bad key alone
     * (no bad value to fail the dump) gave "{"id":"","\u0002:""}" with success */
    json_t *u = json_pack("{s:s}", "id", "");
    json_object_set_new_nocheck(u, "\x02\xf1", json_string(""));
    CHECK_EQ_INT(csc_scope_set_user(s, u), CSC_OK);
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, &sc, NULL), CSC_OK);
    CHECK(tl_last_envelope() != NULL && envelope_reparses(tl_last_envelope()) == 1);
    json_t *ue = tl_last_event();
    CHECK(json_is_string(tl_path(ue, "user.\x02" FFFD)));
    json_decref(ue);
    /* csc_event_prepare_json too */
    size_t len = 0;
    json_t *raw = json_pack("{s:o}", "message", json_stringn_nocheck("m\xff", 2));
    char *out = csc_event_prepare_json(raw, &sc, &len);
    CHECK(out != NULL);
    json_t *back = out ? json_loadb(out, len, 0, NULL) : NULL;
    CHECK(back != NULL);
    json_decref(back);
    free(out);
    json_decref(raw);
    csc_scope_release(s);
}

/* The Python SDK's max_value_length (off by default in sentry-sdk 2.75.0, as here). Expected
 * values and _meta are what sentry-sdk 2.75.0 sends with max_value_length=10 for the same calls. */
static void test_max_value_length_as_python(void) {
    csc_options_t *o = tl_options();
    CHECK_EQ_INT(csc_options_set_max_value_length(o, 2), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_options_set_max_value_length(o, 10), CSC_OK);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    csc_scope_t *s = csc_scope_new();
    (void)csc_scope_set_tag(s, "t", "0123456789ABC");
    (void)csc_scope_set_extra(s, "big", json_string("0123456789ABC"));
    (void)csc_scope_set_extra(s, "nested", json_pack("{s:[s,s]}", "a", "short", "éééééé"));
    (void)csc_scope_set_extra(s, "fits", json_string("ééééé")); /* 10 bytes */
    csc_breadcrumb_t bc = {.message = "crumb message long", .level = CSC_LEVEL_NONE};
    (void)csc_scope_add_breadcrumb(s, &bc);
    csc_scopes_t sc = {.current = s};
    CHECK_EQ_INT(csc_capture_message("aaaaaaaaaaaaaaaaaaaa", CSC_LEVEL_NONE, &sc, NULL), CSC_OK);
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(ev, "message"), "aaaaaaa...");
    CHECK_STR(tl_str(ev, "tags.t"), "0123456...");
    CHECK_STR(tl_str(ev, "extra.big"), "0123456...");
    json_t *arr = tl_path(ev, "extra.nested.a");
    CHECK_STR(json_string_value(json_array_get(arr, 0)), "short");
    CHECK_STR(json_string_value(json_array_get(arr, 1)), "ééé...");
    CHECK_STR(tl_str(ev, "extra.fits"), "ééééé");
    CHECK_STR(json_string_value(json_object_get(json_array_get(tl_crumbs(ev), 0), "message")), "crumb m...");
    CHECK(tl_str(ev, "event_id") && strlen(tl_str(ev, "event_id")) == 32);
    CHECK(tl_str(ev, "timestamp") && strlen(tl_str(ev, "timestamp")) > 10);
    char *meta = json_dumps(json_object_get(ev, "_meta"), JSON_COMPACT | JSON_SORT_KEYS);
    const char *lim = "\"rem\":[[\"!limit\",\"x\",7,10]]";
    char want[256];
    snprintf(want, sizeof want, "\"message\":{\"\":{\"len\":20,%s}}", lim);
    CHECK(meta && strstr(meta, want));
    snprintf(want, sizeof want, "\"tags\":{\"t\":{\"\":{\"len\":13,%s}}}", lim);
    CHECK(meta && strstr(meta, want));
    snprintf(want, sizeof want, "\"nested\":{\"a\":{\"1\":{\"\":{\"len\":12,%s}}}}", lim);
    CHECK(meta && strstr(meta, want));
    snprintf(want, sizeof want, "\"breadcrumbs\":{\"values\":{\"0\":{\"message\":{\"\":{\"len\":18,%s}}}}}", lim);
    CHECK(meta && strstr(meta, want));
    CHECK(meta && !strstr(meta, "\"fits\""));
    free(meta);
    json_decref(ev);
    /* the scope keeps the whole value */
    json_t *j = csc_scope_to_json(s);
    CHECK_STR(tl_str(j, "extra.big"), "0123456789ABC");
    json_decref(j);
    csc_scope_release(s);
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
}

int main(void) {
    unsetenv("SENTRY_DSN");
    if (tl_start_default(100) != CSC_OK) {
        fprintf(stderr, "csc_init failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_null_scope_functions);
    RUN(test_null_tiers_options_events);
    if (tl_start_default(100) != CSC_OK) tl_cases_failed++;
    RUN(test_envelope_out_of_range);
    RUN(test_invalid_utf8_tags_repaired);
    RUN(test_invalid_utf8_message_and_breadcrumb);
    RUN(test_invalid_utf8_exception);
    RUN(test_tag_truncation_at_char_boundary);
    RUN(test_transaction_and_message_cut);
    RUN(test_json_depth);
    RUN(test_wrong_types_rejected);
    RUN(test_malformed_dsn);
    RUN(test_logger_receives_diagnostics);
    RUN(test_attachment_path_missing_file);
    RUN(test_fuzz_attachment_header_invalid_utf8);
    RUN(test_fuzz_empty_keys);
    RUN(test_fuzz_nul_in_tags);
    RUN(test_fuzz_nocheck_json_strings);
    RUN(test_max_value_length_as_python);
    (void)csc_close();
    tl_sink_reset();
    return TL_DONE();
}

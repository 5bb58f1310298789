/*
 * test_scope.c: one scope's data (include/cscope/scope.h): setters and
 * removers, fork independence and copy-on-write, clear, update_from.
 * Reads go through csc_scope_to_json ("keys are present only when set") and,
 * for what only shows at capture (processors, attachments), a capture with
 * explicit scopes into the collecting transport.
 */
#include "testlib.h"

static json_t *J(csc_scope_t *s) { return csc_scope_to_json(s); }

/* The tag `key` of the scope as JSON text ("" when absent); static buffer. */
static const char *tag_of(csc_scope_t *s, const char *key) {
    static char buf[512];
    json_t *j = J(s);
    json_t *v = json_object_get(json_object_get(j, "tags"), key);
    if (!v)
        snprintf(buf, sizeof buf, "%s", "");
    else if (json_is_string(v))
        snprintf(buf, sizeof buf, "%s", json_string_value(v));
    else {
        char *d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(buf, sizeof buf, "%s", d ? d : "?");
        free(d);
    }
    json_decref(j);
    return buf;
}

static int has_key(csc_scope_t *s, const char *table, const char *key) {
    json_t *j = J(s);
    int r = json_object_get(json_object_get(j, table), key) != NULL;
    json_decref(j);
    return r;
}

static int has_top(csc_scope_t *s, const char *key) {
    json_t *j = J(s);
    int r = json_object_get(j, key) != NULL;
    json_decref(j);
    return r;
}

/* Captures a message with `cur` as the only scope; returns the event (caller owns) or NULL. */
static json_t *capture_with(csc_scope_t *cur) {
    tl_sink_reset();
    csc_scopes_t sc = {.current = cur};
    int rc = csc_capture_message("m", CSC_LEVEL_NONE, &sc, NULL);
    if (rc != CSC_OK) return NULL;
    return tl_last_event();
}

/* ------------------------------------------------------------ tags */

static void test_tag_set_overwrite_remove(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK(s != NULL);
    CHECK_EQ_INT(csc_scope_set_tag(s, "a", "1"), CSC_OK);
    CHECK_STR(tag_of(s, "a"), "1");
    CHECK_EQ_INT(csc_scope_set_tag(s, "a", "22"), CSC_OK);
    CHECK_STR(tag_of(s, "a"), "22");
    CHECK_EQ_INT(csc_scope_set_tag(s, "a", ""), CSC_OK);
    CHECK(has_key(s, "tags", "a"));
    CHECK_STR(tag_of(s, "a"), "");
    CHECK_EQ_INT(csc_scope_remove_tag(s, "a"), CSC_OK);
    CHECK(!has_key(s, "tags", "a"));
    CHECK_EQ_INT(csc_scope_remove_tag(s, "never-set"), CSC_OK);
    csc_scope_release(s);
}

static void test_tag_n_explicit_lengths(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_set_tag_n(s, "keyXXX", 3, "valueYYY", 5), CSC_OK);
    CHECK_STR(tag_of(s, "key"), "value");
    CHECK(!has_key(s, "tags", "keyXXX"));
    csc_scope_release(s);
}

static void test_tag_json_keeps_types(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "i", json_integer(42)), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "b", json_true()), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "n", json_null()), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "r", json_real(1.5)), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "s", json_string("x")), CSC_OK);
    json_t *j = J(s);
    json_t *t = json_object_get(j, "tags");
    CHECK(json_is_integer(json_object_get(t, "i")) && json_integer_value(json_object_get(t, "i")) == 42);
    CHECK(json_is_true(json_object_get(t, "b")));
    CHECK(json_is_null(json_object_get(t, "n")));
    CHECK(json_is_real(json_object_get(t, "r")) && json_real_value(json_object_get(t, "r")) == 1.5);
    CHECK_STR(json_string_value(json_object_get(t, "s")), "x");
    json_decref(j);
    /* a string tag replaces a JSON tag and vice versa */
    CHECK_EQ_INT(csc_scope_set_tag(s, "i", "str"), CSC_OK);
    CHECK_STR(tag_of(s, "i"), "str");
    CHECK_EQ_INT(csc_scope_set_tag_json(s, "s", json_integer(7)), CSC_OK);
    CHECK_STR(tag_of(s, "s"), "7");
    csc_scope_release(s);
}

static void test_tags_insertion_order(void) {
    csc_scope_t *s = csc_scope_new();
    (void)csc_scope_set_tag(s, "z", "1");
    (void)csc_scope_set_tag(s, "a", "2");
    (void)csc_scope_set_tag(s, "m", "3");
    (void)csc_scope_set_tag(s, "z", "4"); /* overwrite keeps position */
    json_t *j = J(s);
    const char *order[3];
    int n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(j, "tags"), k, v) {
        if (n < 3) order[n] = k;
        n++;
    }
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_STR(order[0], "z");
        CHECK_STR(order[1], "a");
        CHECK_STR(order[2], "m");
    }
    json_decref(j);
    csc_scope_release(s);
}

/* ------------------------------------------------------------ extras, contexts */

static void test_extra_set_remove(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_set_extra(s, "e", json_pack("{s:i}", "x", 1)), CSC_OK);
    json_t *j = J(s);
    CHECK_EQ_INT(json_integer_value(tl_path(j, "extra.e.x")), 1);
    json_decref(j);
    CHECK_EQ_INT(csc_scope_set_extra(s, "e", json_string("v")), CSC_OK);
    j = J(s);
    CHECK_STR(tl_str(j, "extra.e"), "v");
    json_decref(j);
    CHECK_EQ_INT(csc_scope_remove_extra(s, "e"), CSC_OK);
    CHECK(!has_key(s, "extra", "e"));
    CHECK_EQ_INT(csc_scope_remove_extra(s, "e"), CSC_OK);
    csc_scope_release(s);
}

static void test_context_must_be_object_and_replaces_whole(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_set_context(s, "os", json_pack("{s:s,s:s}", "name", "linux", "version", "6")), CSC_OK);
    CHECK_EQ_INT(csc_scope_set_context(s, "os", json_pack("{s:s}", "name", "mac")), CSC_OK);
    json_t *j = J(s);
    CHECK_STR(tl_str(j, "contexts.os.name"), "mac");
    CHECK(tl_path(j, "contexts.os.version") == NULL);
    json_decref(j);
    CHECK_EQ_INT(csc_scope_set_context(s, "os", json_string("not an object")), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_scope_set_context(s, "os", json_array()), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_scope_set_context(s, "os", json_integer(3)), CSC_ERR_INVALID);
    j = J(s);
    CHECK_STR(tl_str(j, "contexts.os.name"), "mac"); /* previous kept */
    json_decref(j);
    CHECK_EQ_INT(csc_scope_remove_context(s, "os"), CSC_OK);
    CHECK(!has_key(s, "contexts", "os"));
    CHECK_EQ_INT(csc_scope_remove_context(s, "os"), CSC_OK);
    csc_scope_release(s);
}

/* ------------------------------------------------------------ user, level, transaction, fingerprint */

static void test_user_set_unset_empty(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK(!has_top(s, "user"));
    CHECK_EQ_INT(csc_scope_set_user(s, json_pack("{s:s,s:s}", "id", "42", "email", "a@b.c")), CSC_OK);
    json_t *j = J(s);
    CHECK_STR(tl_str(j, "user.id"), "42");
    CHECK_STR(tl_str(j, "user.email"), "a@b.c");
    json_decref(j);
    /* a new user replaces the whole object */
    CHECK_EQ_INT(csc_scope_set_user(s, json_pack("{s:s}", "username", "u")), CSC_OK);
    j = J(s);
    CHECK(tl_path(j, "user.id") == NULL);
    CHECK_STR(tl_str(j, "user.username"), "u");
    json_decref(j);
    CHECK_EQ_INT(csc_scope_set_user(s, NULL), CSC_OK);
    CHECK(!has_top(s, "user"));
    CHECK_EQ_INT(csc_scope_set_user(s, json_object()), CSC_OK);
    j = J(s);
    json_t *u = json_object_get(j, "user");
    CHECK(json_is_object(u) && json_object_size(u) == 0);
    json_decref(j);
    csc_scope_release(s);
}

static void test_level(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_get_level(s), CSC_LEVEL_NONE);
    CHECK(!has_top(s, "level"));
    CHECK_EQ_INT(csc_scope_set_level(s, CSC_LEVEL_WARNING), CSC_OK);
    CHECK_EQ_INT(csc_scope_get_level(s), CSC_LEVEL_WARNING);
    CHECK(has_top(s, "level"));
    CHECK_EQ_INT(csc_scope_set_level(s, CSC_LEVEL_FATAL), CSC_OK);
    CHECK_EQ_INT(csc_scope_get_level(s), CSC_LEVEL_FATAL);
    CHECK_EQ_INT(csc_scope_set_level(s, CSC_LEVEL_NONE), CSC_OK);
    CHECK_EQ_INT(csc_scope_get_level(s), CSC_LEVEL_NONE);
    CHECK(!has_top(s, "level"));
    csc_scope_release(s);
}

static void test_level_names(void) {
    CHECK_STR(csc_level_name(CSC_LEVEL_DEBUG), "debug");
    CHECK_STR(csc_level_name(CSC_LEVEL_INFO), "info");
    CHECK_STR(csc_level_name(CSC_LEVEL_WARNING), "warning");
    CHECK_STR(csc_level_name(CSC_LEVEL_ERROR), "error");
    CHECK_STR(csc_level_name(CSC_LEVEL_FATAL), "fatal");
    CHECK(csc_level_name(CSC_LEVEL_NONE) == NULL);
    CHECK(csc_level_name((csc_level_t)17) == NULL);
    CHECK_EQ_INT(csc_level_parse("warn"), CSC_LEVEL_WARNING);
    CHECK_EQ_INT(csc_level_parse("warning"), CSC_LEVEL_WARNING);
    CHECK_EQ_INT(csc_level_parse("critical"), CSC_LEVEL_FATAL);
    CHECK_EQ_INT(csc_level_parse("debug"), CSC_LEVEL_DEBUG);
    CHECK_EQ_INT(csc_level_parse("bogus"), CSC_LEVEL_NONE);
    CHECK_EQ_INT(csc_level_parse(NULL), CSC_LEVEL_NONE);
}

static void test_transaction_and_source_accumulate(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK(!has_top(s, "transaction"));
    CHECK_EQ_INT(csc_scope_set_transaction(s, "GET /a", "route"), CSC_OK);
    json_t *j = J(s);
    CHECK_STR(tl_str(j, "transaction"), "GET /a");
    CHECK_STR(tl_str(j, "transaction_info.source"), "route");
    json_decref(j);
    /* a name without a source keeps the earlier source */
    CHECK_EQ_INT(csc_scope_set_transaction(s, "GET /b", NULL), CSC_OK);
    j = J(s);
    CHECK_STR(tl_str(j, "transaction"), "GET /b");
    CHECK_STR(tl_str(j, "transaction_info.source"), "route");
    json_decref(j);
    CHECK_EQ_INT(csc_scope_set_transaction(s, "GET /c", "url"), CSC_OK);
    j = J(s);
    CHECK_STR(tl_str(j, "transaction_info.source"), "url");
    json_decref(j);
    CHECK_EQ_INT(csc_scope_set_transaction(s, NULL, NULL), CSC_OK);
    CHECK(!has_top(s, "transaction"));
    csc_scope_release(s);
}

static void test_fingerprint_set_unset_empty(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK(!has_top(s, "fingerprint"));
    const char *fp[] = {"{{ default }}", "db"};
    CHECK_EQ_INT(csc_scope_set_fingerprint(s, fp, 2), CSC_OK);
    json_t *j = J(s);
    json_t *f = json_object_get(j, "fingerprint");
    CHECK(json_is_array(f) && json_array_size(f) == 2);
    CHECK_STR(json_string_value(json_array_get(f, 0)), "{{ default }}");
    CHECK_STR(json_string_value(json_array_get(f, 1)), "db");
    json_decref(j);
    CHECK_EQ_INT(csc_scope_set_fingerprint(s, fp, 0), CSC_OK);
    j = J(s);
    f = json_object_get(j, "fingerprint");
    CHECK(json_is_array(f) && json_array_size(f) == 0);
    json_decref(j);
    CHECK_EQ_INT(csc_scope_set_fingerprint(s, NULL, 0), CSC_OK);
    CHECK(!has_top(s, "fingerprint"));
    csc_scope_release(s);
}

/* ------------------------------------------------------------ propagation context, span, refcount */

static void test_propagation_context(void) {
    csc_scope_t *s = csc_scope_new();
    char t1[33] = "", t2[33] = "";
    CHECK(csc_scope_get_trace_id(s, t1));
    CHECK(tl_is_hex(t1, 32));
    CHECK_EQ_INT(csc_scope_set_propagation_context(s, "0123456789abcdef0123456789abcdef", "0123456789abcdef", NULL),
                 CSC_OK);
    CHECK(csc_scope_get_trace_id(s, t2));
    CHECK_STR(t2, "0123456789abcdef0123456789abcdef");
    CHECK_EQ_INT(csc_scope_new_trace(s), CSC_OK);
    CHECK(csc_scope_get_trace_id(s, t2));
    CHECK(tl_is_hex(t2, 32));
    CHECK(strcmp(t2, "0123456789abcdef0123456789abcdef") != 0);
    csc_scope_t *o = csc_scope_new();
    char t3[33] = "";
    CHECK(csc_scope_get_trace_id(o, t3));
    CHECK(strcmp(t3, t2) != 0); /* every new scope starts its own trace */
    csc_scope_release(o);
    csc_scope_release(s);
}

static int span_refs;
static void span_retain(void *p) {
    (void)p;
    span_refs++;
}
static void span_release(void *p) {
    (void)p;
    span_refs--;
}

static void test_span_slot(void) {
    static int span_obj;
    span_refs = 1; /* ours */
    csc_scope_t *s = csc_scope_new();
    CHECK(csc_scope_get_span(s) == NULL);
    CHECK_EQ_INT(csc_scope_set_span(s, &span_obj, span_retain, span_release), CSC_OK);
    CHECK_EQ_INT(span_refs, 2);
    void *got = csc_scope_get_span(s);
    CHECK(got == &span_obj);
    CHECK_EQ_INT(span_refs, 3);
    span_release(got);
    csc_scope_t *f = csc_scope_fork(s);
    CHECK(csc_scope_get_span(f) == &span_obj);
    span_release(&span_obj);
    CHECK_EQ_INT(csc_scope_set_span(f, NULL, NULL, NULL), CSC_OK);
    CHECK(csc_scope_get_span(f) == NULL);
    void *still = csc_scope_get_span(s);
    CHECK(still == &span_obj);
    if (still) span_release(still);
    csc_scope_release(f);
    CHECK_EQ_INT(csc_scope_set_span(s, NULL, NULL, NULL), CSC_OK);
    CHECK_EQ_INT(span_refs, 1); /* every reference the scopes took was given back */
    csc_scope_release(s);
    CHECK_EQ_INT(span_refs, 1);
}

static void test_retain_release(void) {
    csc_scope_t *s = csc_scope_new();
    CHECK(csc_scope_retain(s) == s);
    csc_scope_release(s);
    (void)csc_scope_set_tag(s, "still", "alive"); /* one reference left */
    CHECK_STR(tag_of(s, "still"), "alive");
    csc_scope_release(s);
}

/* ------------------------------------------------------------ processors */

static int proc_calls[32];
static int proc_freed;
static bool proc_count(json_t *ev, void *ud) {
    (void)ev;
    proc_calls[(intptr_t)ud]++;
    return true;
}
static void proc_free(void *ud) {
    (void)ud;
    proc_freed++;
}

static void test_processor_free_user_data_on_last_release(void) {
    proc_freed = 0;
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_add_event_processor(s, proc_count, (void *)(intptr_t)1, proc_free), CSC_OK);
    csc_scope_t *f = csc_scope_fork(s);
    csc_scope_release(s);
    CHECK_EQ_INT(proc_freed, 0); /* the fork still holds it */
    memset(proc_calls, 0, sizeof proc_calls);
    json_t *ev = capture_with(f);
    CHECK(ev != NULL);
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[1], 1);
    csc_scope_release(f);
    CHECK_EQ_INT(proc_freed, 1);
}

static void test_processor_limit_wipes_list(void) {
    memset(proc_calls, 0, sizeof proc_calls);
    proc_freed = 0;
    csc_scope_t *s = csc_scope_new();
    for (intptr_t i = 0; i < 20; i++)
        CHECK_EQ_INT(csc_scope_add_event_processor(s, proc_count, (void *)i, proc_free), CSC_OK);
    json_t *ev = capture_with(s);
    json_decref(ev);
    int ran = 0;
    for (int i = 0; i < 20; i++) ran += proc_calls[i];
    CHECK_EQ_INT(ran, 20); /* 20 fit */
    memset(proc_calls, 0, sizeof proc_calls);
    for (intptr_t i = 20; i < 25; i++)
        CHECK_EQ_INT(csc_scope_add_event_processor(s, proc_count, (void *)i, proc_free), CSC_OK);
    ev = capture_with(s);
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[0], 0);  /* the list was emptied once it was over the limit */
    CHECK_EQ_INT(proc_calls[24], 1); /* the last one added is kept */
    CHECK(proc_freed >= 20);         /* dropped processors released their user data */
    csc_scope_release(s);
    CHECK_EQ_INT(proc_freed, 25);
}

static void test_clear_event_processors(void) {
    memset(proc_calls, 0, sizeof proc_calls);
    proc_freed = 0;
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_scope_add_event_processor(s, proc_count, (void *)(intptr_t)1, proc_free), CSC_OK);
    CHECK_EQ_INT(csc_scope_add_event_processor(s, proc_count, (void *)(intptr_t)2, proc_free), CSC_OK);
    csc_scope_t *f = csc_scope_fork(s);
    CHECK_EQ_INT(csc_scope_clear_event_processors(s), CSC_OK);
    CHECK_EQ_INT(proc_freed, 0); /* the fork still holds them */
    json_t *ev = capture_with(s);
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[1] + proc_calls[2], 0);
    ev = capture_with(f);
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[1], 1); /* the fork keeps its list */
    CHECK_EQ_INT(proc_calls[2], 1);
    csc_scope_release(f);
    CHECK_EQ_INT(proc_freed, 2); /* released with the last holder */
    CHECK_EQ_INT(csc_scope_add_event_processor(s, proc_count, (void *)(intptr_t)3, proc_free), CSC_OK);
    ev = capture_with(s);
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[3], 1); /* the scope takes new ones */
    CHECK_EQ_INT(csc_scope_clear_event_processors(s), CSC_OK);
    CHECK_EQ_INT(proc_freed, 3);
    CHECK_EQ_INT(csc_scope_clear_event_processors(s), CSC_OK); /* empty: nothing to do */
    CHECK_EQ_INT(csc_scope_clear_event_processors(NULL), CSC_ERR_NULL);
    csc_scope_release(s);
}

/* ------------------------------------------------------------ fork independence and copy-on-write */

static bool crumb_ok;
static csc_scope_t *populated(void) {
    csc_scope_t *s = csc_scope_new();
    (void)csc_scope_set_tag(s, "t", "base");
    (void)csc_scope_set_extra(s, "e", json_string("base"));
    (void)csc_scope_set_context(s, "c", json_pack("{s:s}", "k", "base"));
    (void)csc_scope_set_user(s, json_pack("{s:s}", "id", "base"));
    (void)csc_scope_set_level(s, CSC_LEVEL_INFO);
    (void)csc_scope_set_transaction(s, "base", "route");
    const char *fp[] = {"base"};
    (void)csc_scope_set_fingerprint(s, fp, 1);
    csc_breadcrumb_t c = {.message = "base", .level = CSC_LEVEL_NONE};
    crumb_ok = csc_scope_add_breadcrumb(s, &c) == CSC_OK;
    return s;
}

/* Writes every kind of data on `w`. */
static void write_all(csc_scope_t *w) {
    (void)csc_scope_set_tag(w, "t", "mod"); /* same length as "base" - 1: an in-place overwrite must not leak */
    (void)csc_scope_set_tag(w, "t2", "new");
    (void)csc_scope_set_extra(w, "e", json_string("mod"));
    (void)csc_scope_set_context(w, "c", json_pack("{s:s}", "k", "mod"));
    (void)csc_scope_set_user(w, json_pack("{s:s}", "id", "mod"));
    (void)csc_scope_set_level(w, CSC_LEVEL_ERROR);
    (void)csc_scope_set_transaction(w, "mod", "url");
    const char *fp[] = {"mod"};
    (void)csc_scope_set_fingerprint(w, fp, 1);
    csc_breadcrumb_t c = {.message = "mod", .level = CSC_LEVEL_NONE};
    (void)csc_scope_add_breadcrumb(w, &c);
    (void)csc_scope_new_trace(w);
}

/* Checks that `r` still has exactly the data of populated(). */
static void check_base(csc_scope_t *r, const char *trace) {
    json_t *j = J(r);
    CHECK_STR(tl_str(j, "tags.t"), "base");
    CHECK(tl_path(j, "tags.t2") == NULL);
    CHECK_STR(tl_str(j, "extra.e"), "base");
    CHECK_STR(tl_str(j, "contexts.c.k"), "base");
    CHECK_STR(tl_str(j, "user.id"), "base");
    CHECK_EQ_INT(csc_scope_get_level(r), CSC_LEVEL_INFO);
    CHECK_STR(tl_str(j, "transaction"), "base");
    CHECK_STR(tl_str(j, "transaction_info.source"), "route");
    CHECK_STR(json_string_value(json_array_get(json_object_get(j, "fingerprint"), 0)), "base");
    json_t *b = tl_crumbs(j);
    CHECK_EQ_INT(json_array_size(b), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(b, 0), "message")), "base");
    CHECK_EQ_INT(csc_scope_breadcrumb_count(r), 1);
    char t[33] = "";
    CHECK(csc_scope_get_trace_id(r, t));
    CHECK_STR(t, trace);
    json_decref(j);
}

static void check_mod(csc_scope_t *r) {
    json_t *j = J(r);
    CHECK_STR(tl_str(j, "tags.t"), "mod");
    CHECK_STR(tl_str(j, "tags.t2"), "new");
    CHECK_STR(tl_str(j, "extra.e"), "mod");
    CHECK_STR(tl_str(j, "contexts.c.k"), "mod");
    CHECK_STR(tl_str(j, "user.id"), "mod");
    CHECK_EQ_INT(csc_scope_get_level(r), CSC_LEVEL_ERROR);
    CHECK_STR(tl_str(j, "transaction"), "mod");
    CHECK_STR(tl_str(j, "transaction_info.source"), "url");
    CHECK_STR(json_string_value(json_array_get(json_object_get(j, "fingerprint"), 0)), "mod");
    CHECK_EQ_INT(csc_scope_breadcrumb_count(r), 2);
    json_decref(j);
}

static void test_fork_copies_everything(void) {
    csc_scope_t *p = populated();
    CHECK(crumb_ok);
    char tp[33] = "";
    CHECK(csc_scope_get_trace_id(p, tp));
    csc_scope_t *c = csc_scope_fork(p);
    CHECK(c != NULL && c != p);
    check_base(c, tp); /* same data, same trace */
    csc_scope_release(p);
    check_base(c, tp); /* the fork outlives its parent */
    csc_scope_release(c);
}

static void test_fork_child_writes_do_not_reach_parent(void) {
    csc_scope_t *p = populated();
    char tp[33] = "";
    (void)csc_scope_get_trace_id(p, tp);
    csc_scope_t *c = csc_scope_fork(p);
    write_all(c);
    check_mod(c);
    check_base(p, tp);
    csc_scope_release(c);
    csc_scope_release(p);
}

static void test_fork_parent_writes_do_not_reach_child(void) {
    csc_scope_t *p = populated();
    char tp[33] = "";
    (void)csc_scope_get_trace_id(p, tp);
    csc_scope_t *c = csc_scope_fork(p);
    write_all(p);
    check_mod(p);
    check_base(c, tp);
    csc_scope_release(p);
    csc_scope_release(c);
}

static void test_fork_removals_are_independent(void) {
    csc_scope_t *p = populated();
    csc_scope_t *c = csc_scope_fork(p);
    (void)csc_scope_remove_tag(c, "t");
    (void)csc_scope_remove_extra(c, "e");
    (void)csc_scope_remove_context(c, "c");
    (void)csc_scope_set_user(c, NULL);
    (void)csc_scope_set_fingerprint(c, NULL, 0);
    (void)csc_scope_clear_breadcrumbs(c);
    json_t *j = J(p);
    CHECK_STR(tl_str(j, "tags.t"), "base");
    CHECK_STR(tl_str(j, "extra.e"), "base");
    CHECK_STR(tl_str(j, "contexts.c.k"), "base");
    CHECK_STR(tl_str(j, "user.id"), "base");
    CHECK(json_is_array(json_object_get(j, "fingerprint")));
    CHECK_EQ_INT(csc_scope_breadcrumb_count(p), 1);
    json_decref(j);
    j = J(c);
    CHECK(tl_path(j, "tags.t") == NULL);
    CHECK(tl_path(j, "extra.e") == NULL);
    CHECK(tl_path(j, "contexts.c") == NULL);
    CHECK(json_object_get(j, "user") == NULL);
    CHECK(json_object_get(j, "fingerprint") == NULL);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(c), 0);
    json_decref(j);
    /* and the other way round */
    csc_scope_t *c2 = csc_scope_fork(p);
    (void)csc_scope_remove_tag(p, "t");
    CHECK_STR(tag_of(c2, "t"), "base");
    csc_scope_release(c2);
    csc_scope_release(c);
    csc_scope_release(p);
}

/* Many tags, then fork: overwriting one key with a same-size value (the map's in-place
 * slot reuse) on either side must copy the table first. */
static void test_cow_in_place_overwrite(void) {
    csc_scope_t *p = csc_scope_new();
    char k[16], v[16];
    for (int i = 0; i < 50; i++) {
        snprintf(k, sizeof k, "k%02d", i);
        snprintf(v, sizeof v, "v%02d", i);
        (void)csc_scope_set_tag(p, k, v);
    }
    csc_scope_t *c = csc_scope_fork(p);
    (void)csc_scope_set_tag(c, "k07", "XXX");
    (void)csc_scope_set_tag(p, "k08", "YYY");
    CHECK_STR(tag_of(p, "k07"), "v07");
    CHECK_STR(tag_of(c, "k07"), "XXX");
    CHECK_STR(tag_of(c, "k08"), "v08");
    CHECK_STR(tag_of(p, "k08"), "YYY");
    /* a fork of a fork, then the middle one goes away */
    csc_scope_t *g = csc_scope_fork(c);
    csc_scope_release(c);
    (void)csc_scope_set_tag(g, "k09", "ZZZ");
    CHECK_STR(tag_of(g, "k07"), "XXX");
    CHECK_STR(tag_of(g, "k09"), "ZZZ");
    CHECK_STR(tag_of(p, "k09"), "v09");
    json_t *j = J(g);
    CHECK_EQ_INT(json_object_size(json_object_get(j, "tags")), 50);
    json_decref(j);
    csc_scope_release(g);
    csc_scope_release(p);
}

/* Attachment items in the newest envelope (the event argument only documents which capture is meant). */
static int att_items(json_t *event) {
    (void)event;
    csc_envelope_t *e = tl_last_envelope();
    int n = 0;
    for (size_t i = 0; e && i < csc_envelope_item_count(e); i++)
        n += strcmp(csc_envelope_item_type(e, i), "attachment") == 0;
    return n;
}

static void test_fork_attachments_and_processors_independent(void) {
    memset(proc_calls, 0, sizeof proc_calls);
    csc_scope_t *p = csc_scope_new();
    (void)csc_scope_add_attachment_bytes(p, "aa", 2, "p.txt", NULL);
    (void)csc_scope_add_event_processor(p, proc_count, (void *)(intptr_t)1, NULL);
    csc_scope_t *c = csc_scope_fork(p);
    CHECK_EQ_INT(csc_scope_add_attachment_bytes(c, "bb", 2, "c.txt", NULL), CSC_OK);
    CHECK_EQ_INT(csc_scope_add_event_processor(c, proc_count, (void *)(intptr_t)2, NULL), CSC_OK);
    json_t *ev = capture_with(p);
    CHECK(ev != NULL);
    CHECK_EQ_INT(att_items(ev), 1);
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[1], 1);
    CHECK_EQ_INT(proc_calls[2], 0);
    ev = capture_with(c);
    CHECK_EQ_INT(att_items(ev), 2);
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[1], 2);
    CHECK_EQ_INT(proc_calls[2], 1);
    /* parent -> child direction */
    CHECK_EQ_INT(csc_scope_clear_attachments(p), CSC_OK);
    (void)csc_scope_add_event_processor(p, proc_count, (void *)(intptr_t)3, NULL);
    ev = capture_with(c);
    CHECK_EQ_INT(att_items(ev), 2);
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[3], 0);
    ev = capture_with(p);
    CHECK_EQ_INT(att_items(ev), 0);
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[3], 1);
    csc_scope_release(c);
    csc_scope_release(p);
}

static void test_fork_last_event_id_copied_then_independent(void) {
    csc_scope_t *iso = csc_scope_new();
    csc_scopes_t sc = {.isolation = iso};
    char id[33] = "", got[33] = "";
    CHECK(!csc_scope_get_last_event_id(iso, got));
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("x", CSC_LEVEL_NONE, &sc, id), CSC_OK);
    CHECK(csc_scope_get_last_event_id(iso, got));
    CHECK_STR(got, id);
    csc_scope_t *f = csc_scope_fork(iso);
    CHECK(csc_scope_get_last_event_id(f, got));
    CHECK_STR(got, id);
    char id2[33] = "";
    sc.isolation = f;
    CHECK_EQ_INT(csc_capture_message("y", CSC_LEVEL_NONE, &sc, id2), CSC_OK);
    CHECK(csc_scope_get_last_event_id(iso, got));
    CHECK_STR(got, id);
    CHECK(csc_scope_get_last_event_id(f, got));
    CHECK_STR(got, id2);
    csc_scope_release(f);
    csc_scope_release(iso);
}

/* ------------------------------------------------------------ clear */

static void test_clear_keeps_processors_only(void) {
    memset(proc_calls, 0, sizeof proc_calls);
    csc_scope_t *s = populated();
    (void)csc_scope_add_event_processor(s, proc_count, (void *)(intptr_t)5, NULL);
    (void)csc_scope_add_attachment_bytes(s, "x", 1, "x.txt", NULL);
    csc_scopes_t sc = {.isolation = s};
    char id[33] = "", got[33] = "";
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("x", CSC_LEVEL_NONE, &sc, id), CSC_OK);
    CHECK(csc_scope_get_last_event_id(s, got));
    CHECK_EQ_INT(csc_scope_clear(s), CSC_OK);
    json_t *j = J(s);
    const char *gone[] = {"tags", "extra", "contexts", "user", "level", "transaction", "fingerprint"};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
        json_t *v = json_object_get(j, gone[i]);
        if (v && !(json_is_object(v) && json_object_size(v) == 0))
            TL_FAIL_("after clear, \"%s\" is still set", gone[i]);
    }
    json_decref(j);
    CHECK_EQ_INT(csc_scope_get_level(s), CSC_LEVEL_NONE);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(s), 0);
    CHECK(!csc_scope_get_trace_id(s, got));      /* propagation context unset */
    CHECK(!csc_scope_get_last_event_id(s, got)); /* last event id unset */
    json_t *ev = capture_with(s);
    CHECK(ev != NULL);
    CHECK_EQ_INT(att_items(ev), 0); /* attachments cleared */
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[5], 2); /* processor survived clear */
    csc_scope_release(s);
}

/* ------------------------------------------------------------ update_from */

static void test_update_from_rules(void) {
    csc_scope_t *dst = csc_scope_new();
    csc_scope_t *src = csc_scope_new();
    (void)csc_scope_set_tag(dst, "keep", "d");
    (void)csc_scope_set_tag(dst, "both", "d");
    (void)csc_scope_set_extra(dst, "e", json_string("d"));
    (void)csc_scope_set_context(dst, "c", json_pack("{s:s,s:s}", "a", "d", "b", "d"));
    (void)csc_scope_set_user(dst, json_pack("{s:s,s:s}", "id", "d", "email", "d@x"));
    (void)csc_scope_set_level(dst, CSC_LEVEL_INFO);
    (void)csc_scope_set_transaction(dst, "d", "route");
    const char *fpd[] = {"d"};
    (void)csc_scope_set_fingerprint(dst, fpd, 1);
    csc_breadcrumb_t cd = {.message = "d", .level = CSC_LEVEL_NONE, .timestamp_us = 1000000};
    (void)csc_scope_add_breadcrumb(dst, &cd);
    (void)csc_scope_add_event_processor(src, proc_count, (void *)(intptr_t)7, NULL);

    /* src has only tags, a context and a breadcrumb; clear() also unset its propagation context */
    CHECK_EQ_INT(csc_scope_clear(src), CSC_OK);
    (void)csc_scope_set_tag(src, "both", "s");
    (void)csc_scope_set_tag(src, "new", "s");
    (void)csc_scope_set_context(src, "c", json_pack("{s:s}", "a", "s"));
    csc_breadcrumb_t cs = {.message = "s", .level = CSC_LEVEL_NONE, .timestamp_us = 2000000};
    (void)csc_scope_add_breadcrumb(src, &cs);
    /* clear() unset the propagation context of src: dst keeps its own */
    char tdst[33] = "", t[33] = "";
    CHECK(csc_scope_get_trace_id(dst, tdst));

    CHECK_EQ_INT(csc_scope_update_from(dst, src), CSC_OK);
    json_t *j = J(dst);
    CHECK_STR(tl_str(j, "tags.keep"), "d");
    CHECK_STR(tl_str(j, "tags.both"), "s");
    CHECK_STR(tl_str(j, "tags.new"), "s");
    CHECK_STR(tl_str(j, "extra.e"), "d");
    CHECK_STR(tl_str(j, "contexts.c.a"), "s");
    CHECK(tl_path(j, "contexts.c.b") == NULL); /* whole context replaced, no deep merge */
    CHECK_STR(tl_str(j, "user.id"), "d");
    CHECK_STR(tl_str(j, "user.email"), "d@x");
    CHECK_EQ_INT(csc_scope_get_level(dst), CSC_LEVEL_INFO);
    CHECK_STR(tl_str(j, "transaction"), "d");
    CHECK_STR(json_string_value(json_array_get(json_object_get(j, "fingerprint"), 0)), "d");
    json_t *b = tl_crumbs(j);
    CHECK_EQ_INT(json_array_size(b), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(b, 0), "message")), "d");
    CHECK_STR(json_string_value(json_object_get(json_array_get(b, 1), "message")), "s");
    json_decref(j);
    CHECK(csc_scope_get_trace_id(dst, t));
    CHECK_STR(t, tdst);

    /* src with everything set: replaces; an empty user object and an empty fingerprint do override */
    (void)csc_scope_set_user(src, json_object());
    const char *fps[] = {NULL};
    (void)csc_scope_set_fingerprint(src, fps, 0);
    (void)csc_scope_set_level(src, CSC_LEVEL_FATAL);
    (void)csc_scope_set_transaction(src, "s", NULL);
    (void)csc_scope_set_extra(src, "e", json_string("s"));
    (void)csc_scope_set_propagation_context(src, "fedcba9876543210fedcba9876543210", "fedcba9876543210", NULL);
    CHECK_EQ_INT(csc_scope_update_from(dst, src), CSC_OK);
    j = J(dst);
    CHECK(json_is_object(json_object_get(j, "user")) && json_object_size(json_object_get(j, "user")) == 0);
    CHECK(json_is_array(json_object_get(j, "fingerprint")) && json_array_size(json_object_get(j, "fingerprint")) == 0);
    CHECK_EQ_INT(csc_scope_get_level(dst), CSC_LEVEL_FATAL);
    CHECK_STR(tl_str(j, "transaction"), "s");
    CHECK_STR(tl_str(j, "transaction_info.source"), "route"); /* transaction_info keys accumulate */
    CHECK_STR(tl_str(j, "extra.e"), "s");
    CHECK_EQ_INT(json_array_size(tl_crumbs(j)), 3);
    json_decref(j);
    CHECK(csc_scope_get_trace_id(dst, t));
    CHECK_STR(t, "fedcba9876543210fedcba9876543210");

    /* processors are not copied */
    memset(proc_calls, 0, sizeof proc_calls);
    json_t *ev = capture_with(dst);
    json_decref(ev);
    CHECK_EQ_INT(proc_calls[7], 0);
    /* src unchanged by the update */
    CHECK_EQ_INT(csc_scope_breadcrumb_count(src), 1);
    csc_scope_release(src);
    csc_scope_release(dst);
}

static void test_update_from_sums_truncation(void) {
    /* max_breadcrumbs 2: each scope evicts 1; merged event says len = 4 values + 2 evicted */
    CHECK_EQ_INT(tl_start_default(2), CSC_OK);
    csc_scope_t *a = csc_scope_new(), *b = csc_scope_new();
    for (int i = 0; i < 3; i++) {
        csc_breadcrumb_t c = {.message = "a", .level = CSC_LEVEL_NONE, .timestamp_us = 1000000 + i};
        (void)csc_scope_add_breadcrumb(a, &c);
        c.message = "b";
        (void)csc_scope_add_breadcrumb(b, &c);
    }
    CHECK_EQ_INT(csc_scope_update_from(a, b), CSC_OK);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(a), 4); /* appended; the ring limit applies at insert only */
    json_t *ev = capture_with(a);
    CHECK(ev != NULL);
    CHECK_EQ_INT(json_array_size(tl_crumbs(ev)), 4);
    CHECK_EQ_INT(tl_meta_len(ev, "breadcrumbs"), 6);
    json_decref(ev);
    csc_scope_release(a);
    csc_scope_release(b);
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
}

/* A ring that update_from left longer than max_breadcrumbs is trimmed by the next add to the
 * newest max_breadcrumbs (deque(maxlen) semantics: the oldest go), and the trimmed crumbs
 * are counted in _meta. */
static void test_update_from_then_add_trims_oldest(void) {
    CHECK_EQ_INT(tl_start_default(2), CSC_OK);
    csc_scope_t *a = csc_scope_new(), *b = csc_scope_new();
    const char *am[] = {"a1", "a2"}, *bm[] = {"b1", "b2"};
    for (int i = 0; i < 2; i++) {
        csc_breadcrumb_t c = {.message = am[i], .level = CSC_LEVEL_NONE, .timestamp_us = 1000000 + i};
        (void)csc_scope_add_breadcrumb(a, &c);
        c.message = bm[i];
        (void)csc_scope_add_breadcrumb(b, &c);
    }
    CHECK_EQ_INT(csc_scope_update_from(a, b), CSC_OK);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(a), 4);
    csc_breadcrumb_t n = {.message = "n", .level = CSC_LEVEL_NONE, .timestamp_us = 2000000};
    CHECK_EQ_INT(csc_scope_add_breadcrumb(a, &n), CSC_OK);
    CHECK_EQ_INT(csc_scope_breadcrumb_count(a), 2);
    json_t *ev = capture_with(a);
    CHECK(ev != NULL);
    json_t *v = tl_crumbs(ev);
    CHECK_EQ_INT(json_array_size(v), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(v, 0), "message")), "b2");
    CHECK_STR(json_string_value(json_object_get(json_array_get(v, 1), "message")), "n");
    CHECK_EQ_INT(tl_meta_len(ev, "breadcrumbs"), 5); /* 2 kept + 3 trimmed */
    json_decref(ev);
    /* and again: the ring now holds exactly max_breadcrumbs and keeps rotating */
    n.message = "m";
    CHECK_EQ_INT(csc_scope_add_breadcrumb(a, &n), CSC_OK);
    ev = capture_with(a);
    v = tl_crumbs(ev);
    CHECK_STR(json_string_value(json_object_get(json_array_get(v, 0), "message")), "n");
    CHECK_STR(json_string_value(json_object_get(json_array_get(v, 1), "message")), "m");
    json_decref(ev);
    csc_scope_release(a);
    csc_scope_release(b);
    CHECK_EQ_INT(tl_start_default(100), CSC_OK);
}

static void test_update_from_attachments_appended(void) {
    csc_scope_t *a = csc_scope_new(), *b = csc_scope_new();
    (void)csc_scope_add_attachment_bytes(a, "1", 1, "a.txt", NULL);
    (void)csc_scope_add_attachment_bytes(b, "2", 1, "b.txt", NULL);
    CHECK_EQ_INT(csc_scope_update_from(a, b), CSC_OK);
    json_t *ev = capture_with(a);
    CHECK_EQ_INT(att_items(ev), 2);
    json_decref(ev);
    ev = capture_with(b);
    CHECK_EQ_INT(att_items(ev), 1);
    json_decref(ev);
    csc_scope_release(a);
    csc_scope_release(b);
}

int main(void) {
    if (tl_start_default(100) != CSC_OK) {
        fprintf(stderr, "csc_init failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_tag_set_overwrite_remove);
    RUN(test_tag_n_explicit_lengths);
    RUN(test_tag_json_keeps_types);
    RUN(test_tags_insertion_order);
    RUN(test_extra_set_remove);
    RUN(test_context_must_be_object_and_replaces_whole);
    RUN(test_user_set_unset_empty);
    RUN(test_level);
    RUN(test_level_names);
    RUN(test_transaction_and_source_accumulate);
    RUN(test_fingerprint_set_unset_empty);
    RUN(test_propagation_context);
    RUN(test_span_slot);
    RUN(test_retain_release);
    RUN(test_processor_free_user_data_on_last_release);
    RUN(test_processor_limit_wipes_list);
    RUN(test_fork_copies_everything);
    RUN(test_fork_child_writes_do_not_reach_parent);
    RUN(test_fork_parent_writes_do_not_reach_child);
    RUN(test_fork_removals_are_independent);
    RUN(test_cow_in_place_overwrite);
    RUN(test_fork_attachments_and_processors_independent);
    RUN(test_fork_last_event_id_copied_then_independent);
    RUN(test_clear_keeps_processors_only);
    RUN(test_clear_event_processors);
    RUN(test_update_from_rules);
    RUN(test_update_from_sums_truncation);
    RUN(test_update_from_then_add_trims_oldest);
    RUN(test_update_from_attachments_appended);
    (void)csc_close();
    tl_sink_reset();
    return TL_DONE();
}

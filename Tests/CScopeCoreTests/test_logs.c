/*
 * test_logs.c: Sentry Logs (cscope/logs.h): the `log` item's fields and typed attributes,
 * the trace of the calling scopes, templates, batches of at most 100, the 5 s timer, the
 * 1,000-line bound, before_send_log, the SDK's attributes, the user with send_default_pii
 * only, bad input, and flush/close.
 *
 * `test_logs --dump DIR` also writes every `log` payload into DIR (logs_schema.py checks them
 * against the logs protocol).
 */
#include <unistd.h>

#include "testlib.h"

static const char *g_dump;
static int g_dumped;

/* Every log item collected so far (new reference), in order; also counts `log` items and their
 * item_count headers. */
static json_t *collected(int *log_items, long *declared) {
    json_t *out = json_array();
    if (log_items) *log_items = 0;
    if (declared) *declared = 0;
    pthread_mutex_lock(&tl_sink.mu);
    for (int i = 0; i < tl_sink.count; i++) {
        csc_envelope_t *e = tl_sink.env[i];
        for (size_t k = 0; k < csc_envelope_item_count(e); k++) {
            if (strcmp(csc_envelope_item_type(e, k), "log") != 0) continue;
            size_t len = 0;
            const char *p = csc_envelope_item_payload(e, k, &len);
            json_t *j = json_loadb(p, len, 0, NULL);
            if (log_items) (*log_items)++;
            json_array_extend(out, json_object_get(j, "items"));
            json_decref(j);
            if (g_dump) {
                char path[4096];
                snprintf(path, sizeof path, "%s/%03d-log.json", g_dump, ++g_dumped);
                FILE *f = fopen(path, "wb");
                if (f) {
                    fwrite(p, 1, len, f);
                    fclose(f);
                }
            }
        }
        if (declared) {
            size_t n = 0;
            const char *s = csc_envelope_serialize(e, &n);
            char *copy = s ? malloc(n + 1) : NULL; /* the bytes are not NUL-terminated */
            if (copy) {
                memcpy(copy, s, n);
                copy[n] = 0;
            }
            for (const char *q = copy; q && (q = strstr(q, "\"item_count\":")); q++) *declared += atol(q + 13);
            free(copy);
        }
    }
    pthread_mutex_unlock(&tl_sink.mu);
    return out;
}

static json_t *attr(json_t *item, const char *key) { return json_object_get(json_object_get(item, "attributes"), key); }

static const char *attr_type(json_t *item, const char *key) {
    return json_string_value(json_object_get(attr(item, key), "type"));
}

static json_t *attr_value(json_t *item, const char *key) { return json_object_get(attr(item, key), "value"); }

static int start_logs(bool pii, csc_before_send_fn bsl, void *ud) {
    csc_options_t *o = tl_options();
    csc_options_set_enable_logs(o, true);
    csc_options_set_server_name(o, "host-1");
    csc_options_set_send_default_pii(o, pii);
    if (bsl) csc_options_set_before_send_log(o, bsl, ud);
    return tl_start(o);
}

static void test_off_by_default(void) {
    tl_start(tl_options());
    CHECK(!csc_logs_enabled());
    CHECK_EQ_INT(csc_log(CSC_LOG_INFO, "nobody hears this", json_pack("{s:i}", "a", 1)), CSC_ERR_DISABLED);
    csc_flush(1000);
    int items = 0;
    json_t *all = collected(&items, NULL);
    CHECK_EQ_INT(items, 0);
    json_decref(all);
    csc_close();
    CHECK_EQ_INT(csc_log(CSC_LOG_INFO, "closed", NULL), CSC_ERR_DISABLED);
}

static void test_item_fields_and_typed_attributes(void) {
    CHECK_EQ_INT(start_logs(false, NULL, NULL), CSC_OK);
    CHECK(csc_logs_enabled());
    char trace[33] = "";
    CHECK(
        csc_scope_get_trace_id(csc_isolation_scope(), trace) ||
        (csc_scope_new_trace(csc_isolation_scope()) == CSC_OK && csc_scope_get_trace_id(csc_isolation_scope(), trace)));
    int64_t before = csc_now_us();
    json_t *attrs = json_pack("{s:i,s:s,s:b,s:f,s:[i,i],s:[],s:{s:i},s:[i,s],s:{s:i,s:s},s:n}", "count", 3, "name", "x",
                              "ok", 1, "ratio", 0.5, "ids", 1, 2, "none", "nested", "n", 1, "mixed", 1, "a", "typed",
                              "value", 7, "type", "integer", "nothing");
    CHECK_EQ_INT(csc_log(CSC_LOG_WARN, "disk almost full", attrs), CSC_OK);
    CHECK_EQ_INT(csc_flush(2000), CSC_OK);
    int64_t after = csc_now_us();
    int items = 0;
    long declared = 0;
    json_t *all = collected(&items, &declared);
    CHECK_EQ_INT(items, 1);
    CHECK_EQ_INT(declared, 1);
    CHECK_EQ_INT(json_array_size(all), 1);
    json_t *it = json_array_get(all, 0);
    CHECK_STR(json_string_value(json_object_get(it, "body")), "disk almost full");
    CHECK_STR(json_string_value(json_object_get(it, "level")), "warn");
    CHECK_EQ_INT(json_integer_value(json_object_get(it, "severity_number")), 13);
    CHECK_STR(json_string_value(json_object_get(it, "trace_id")), trace);
    CHECK(!json_object_get(it, "span_id"));
    double ts = json_real_value(json_object_get(it, "timestamp"));
    CHECK(ts * 1e6 >= (double)before - 1 && ts * 1e6 <= (double)after + 1);
    CHECK_STR(attr_type(it, "count"), "integer");
    CHECK_EQ_INT(json_integer_value(attr_value(it, "count")), 3);
    CHECK_STR(attr_type(it, "name"), "string");
    CHECK_STR(attr_type(it, "ok"), "boolean");
    CHECK(json_is_true(attr_value(it, "ok")));
    CHECK_STR(attr_type(it, "ratio"), "double");
    CHECK_STR(attr_type(it, "ids"), "array");
    CHECK_EQ_INT(json_array_size(attr_value(it, "ids")), 2);
    CHECK_STR(attr_type(it, "none"), "array");
    CHECK_STR(attr_type(it, "nested"), "string"); /* an object is sent as its JSON text */
    CHECK_STR(json_string_value(attr_value(it, "nested")), "{\"n\":1}");
    CHECK_STR(attr_type(it, "mixed"), "string");  /* an array of two types too */
    CHECK_STR(attr_type(it, "typed"), "integer"); /* already typed: as it is */
    CHECK_EQ_INT(json_integer_value(attr_value(it, "typed")), 7);
    CHECK_STR(json_string_value(attr_value(it, "nothing")), "null");
    /* the SDK's attributes */
    CHECK_STR(json_string_value(attr_value(it, "sentry.sdk.name")), "sentry.cscope");
    CHECK_STR(json_string_value(attr_value(it, "sentry.sdk.version")), CSC_VERSION);
    CHECK_STR(json_string_value(attr_value(it, "sentry.environment")), "testing");
    CHECK_STR(json_string_value(attr_value(it, "sentry.release")), "test@1.0.0");
    CHECK_STR(json_string_value(attr_value(it, "server.address")), "host-1");
    CHECK_EQ_INT(json_integer_value(attr_value(it, "sentry.severity_number")), 13);
    CHECK_STR(json_string_value(attr_value(it, "sentry.severity_text")), "warn");
    CHECK(!attr(it, "sentry.origin")); /* direct API use: no origin (logs spec) */
    CHECK(!attr(it, "sentry.message.template"));
    CHECK(!attr(it, "user.id"));
    /* the item header */
    pthread_mutex_lock(&tl_sink.mu);
    size_t n = 0;
    const char *s = csc_envelope_serialize(tl_sink.env[0], &n);
    static const char k_head[] =
        "{\"type\":\"log\",\"content_type\":\"application/vnd.sentry.items.log+json\",\"item_count\":1,";
    CHECK(s && memmem(s, n, k_head, sizeof k_head - 1));
    pthread_mutex_unlock(&tl_sink.mu);
    json_decref(all);
    csc_close();
}

static void test_span_template_and_record_fields(void) {
    CHECK_EQ_INT(start_logs(false, NULL, NULL), CSC_OK);
    csc_transaction_options_t topts = {.name = "job", .op = "task"};
    csc_span_t *tx = csc_transaction_start(&topts);
    CHECK(tx != NULL);
    csc_scope_t *cur = csc_current_scope();
    csc_scope_bind_span(cur, tx);
    char tid[33], sid[17];
    csc_span_get_trace_id(tx, tid);
    csc_span_get_span_id(tx, sid);
    csc_log_record_t r = {.level = CSC_LOG_ERROR,
                          .body = "user 42 paid 9.5",
                          .message_template = "user {0} paid {1}",
                          .parameters = json_pack("[i,f]", 42, 9.5),
                          .attributes = json_pack("{s:s}", "sentry.message.parameter.0", "overridden by the parameter"),
                          .origin = "auto.log.test",
                          .logger_name = "payments",
                          .code_file = "pay.c",
                          .code_line = 12,
                          .code_function = "pay"};
    CHECK_EQ_INT(csc_log_record(&r, NULL), CSC_OK);
    csc_log_record_t named = {.level = CSC_LOG_DEBUG,
                              .body = "hello ada",
                              .message_template = "hello {name}",
                              .parameters = json_pack("{s:s}", "name", "ada")};
    CHECK_EQ_INT(csc_log_record(&named, NULL), CSC_OK);
    csc_log_record_t no_params = {.level = CSC_LOG_TRACE, .body = "no parameters", .message_template = "no parameters"};
    CHECK_EQ_INT(csc_log_record(&no_params, NULL), CSC_OK);
    csc_scope_bind_span(cur, NULL);
    csc_span_finish(tx);
    csc_span_release(tx);
    /* explicit scopes (not this thread's): their trace */
    csc_scope_t *iso = csc_scope_new();
    csc_scopes_t sc = {.global = csc_global_scope(), .isolation = iso, .current = csc_scope_new()};
    csc_scope_set_propagation_context(sc.current, "0123456789abcdef0123456789abcdef", "0123456789abcdef", NULL);
    csc_log_record_t other = {.level = CSC_LOG_FATAL, .body = "elsewhere"};
    CHECK_EQ_INT(csc_log_record(&other, &sc), CSC_OK);
    csc_scope_release(sc.current);
    csc_scope_release(iso);
    csc_flush(2000);
    json_t *all = collected(NULL, NULL);
    CHECK_EQ_INT(json_array_size(all), 4);
    json_t *a = json_array_get(all, 0);
    CHECK_STR(json_string_value(json_object_get(a, "trace_id")), tid);
    CHECK_STR(json_string_value(json_object_get(a, "span_id")), sid);
    CHECK_STR(json_string_value(json_object_get(a, "level")), "error");
    CHECK_STR(json_string_value(attr_value(a, "sentry.message.template")), "user {0} paid {1}");
    CHECK_EQ_INT(json_integer_value(attr_value(a, "sentry.message.parameter.0")), 42);
    CHECK_STR(attr_type(a, "sentry.message.parameter.1"), "double");
    CHECK_STR(json_string_value(attr_value(a, "sentry.origin")), "auto.log.test");
    CHECK_STR(json_string_value(attr_value(a, "logger.name")), "payments");
    CHECK_STR(json_string_value(attr_value(a, "code.file.path")), "pay.c");
    CHECK_EQ_INT(json_integer_value(attr_value(a, "code.line.number")), 12);
    CHECK_STR(json_string_value(attr_value(a, "code.function.name")), "pay");
    json_t *b = json_array_get(all, 1);
    CHECK_STR(json_string_value(attr_value(b, "sentry.message.parameter.name")), "ada");
    CHECK_STR(json_string_value(attr_value(b, "sentry.message.template")), "hello {name}");
    CHECK_EQ_INT(json_integer_value(json_object_get(b, "severity_number")), 5);
    json_t *c = json_array_get(all, 2);
    CHECK(!attr(c, "sentry.message.template")); /* a template only with parameters (sentry-python) */
    json_t *d = json_array_get(all, 3);
    CHECK_STR(json_string_value(json_object_get(d, "trace_id")), "0123456789abcdef0123456789abcdef");
    CHECK(!json_object_get(d, "span_id"));
    CHECK_STR(json_string_value(json_object_get(d, "level")), "fatal");
    json_decref(all);
    csc_close();
}

static void test_batches_of_100_in_order(void) {
    CHECK_EQ_INT(start_logs(false, NULL, NULL), CSC_OK);
    char body[32];
    for (int i = 0; i < 250; i++) {
        snprintf(body, sizeof body, "line %d", i);
        CHECK_EQ_INT(csc_log(CSC_LOG_INFO, body, NULL), CSC_OK);
    }
    csc_flush(5000);
    int items = 0;
    long declared = 0;
    json_t *all = collected(&items, &declared);
    CHECK_EQ_INT(json_array_size(all), 250);
    CHECK_EQ_INT(declared, 250);
    CHECK(items >= 3); /* never more than 100 per envelope */
    pthread_mutex_lock(&tl_sink.mu);
    for (int i = 0; i < tl_sink.count; i++) {
        size_t len = 0;
        const char *p = csc_envelope_item_payload(tl_sink.env[i], 0, &len);
        json_t *payload = json_loadb(p, len, 0, NULL);
        CHECK(json_array_size(json_object_get(payload, "items")) <= 100);
        CHECK_EQ_INT(json_integer_value(json_object_get(payload, "version")), 2);
        json_decref(payload);
    }
    pthread_mutex_unlock(&tl_sink.mu);
    for (int i = 0; i < 250; i++) {
        snprintf(body, sizeof body, "line %d", i);
        CHECK_STR(json_string_value(json_object_get(json_array_get(all, (size_t)i), "body")), body);
    }
    json_decref(all);
    csc_close();
}

/* Waits up to `ms` for `n` log items to arrive without a flush. */
static size_t wait_items(size_t n, int ms) {
    size_t got = 0;
    for (int waited = 0; waited <= ms; waited += 20) {
        json_t *all = collected(NULL, NULL);
        got = json_array_size(all);
        json_decref(all);
        if (got >= n) break;
        usleep(20000);
    }
    return got;
}

static void test_100_lines_go_at_once_and_one_after_5s(void) {
    CHECK_EQ_INT(start_logs(false, NULL, NULL), CSC_OK);
    int64_t t0 = csc_now_us();
    for (int i = 0; i < 100; i++) csc_log(CSC_LOG_INFO, "burst", NULL);
    CHECK_EQ_INT(wait_items(100, 2000), 100); /* the 100th line wakes the logs thread */
    CHECK(csc_now_us() - t0 < 2000000);
    tl_sink_reset();
    t0 = csc_now_us();
    csc_log(CSC_LOG_INFO, "alone", NULL);
    CHECK_EQ_INT(wait_items(1, 8000), 1); /* ... and a lone line goes within the 5 s interval */
    int64_t waited = csc_now_us() - t0;
    CHECK(waited <= 7000000);
    csc_close();
}

/* before_send_log that holds the logs thread until released (so the queue fills). */
static pthread_mutex_t g_hold_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_hold_cv = PTHREAD_COND_INITIALIZER;
static bool g_hold = true, g_held;

static bool hold_first(json_t *item, void *ud) {
    pthread_mutex_lock(&g_hold_mu);
    g_held = true;
    pthread_cond_broadcast(&g_hold_cv);
    while (g_hold) pthread_cond_wait(&g_hold_cv, &g_hold_mu);
    pthread_mutex_unlock(&g_hold_mu);
    return true;
}

static void test_at_most_1000_wait(void) {
    CHECK_EQ_INT(start_logs(false, hold_first, NULL), CSC_OK);
    for (int i = 0; i < 100; i++) CHECK_EQ_INT(csc_log(CSC_LOG_INFO, "first hundred", NULL), CSC_OK);
    pthread_mutex_lock(&g_hold_mu);
    while (!g_held) pthread_cond_wait(&g_hold_cv, &g_hold_mu); /* the logs thread took them and waits */
    pthread_mutex_unlock(&g_hold_mu);
    int ok = 0, dropped = 0;
    for (int i = 0; i < 1100; i++) {
        int rc = csc_log(CSC_LOG_INFO, "queued", NULL);
        ok += rc == CSC_OK;
        dropped += rc == CSC_ERR_DROPPED;
    }
    CHECK_EQ_INT(ok, 1000);
    CHECK_EQ_INT(dropped, 100);
    pthread_mutex_lock(&g_hold_mu);
    g_hold = false;
    pthread_cond_broadcast(&g_hold_cv);
    pthread_mutex_unlock(&g_hold_mu);
    csc_flush(5000);
    json_t *all = collected(NULL, NULL);
    CHECK_EQ_INT(json_array_size(all), 1100);
    json_decref(all);
    csc_close();
}

static int g_reentrant_rc = 1;

static bool edit_or_drop(json_t *item, void *ud) {
    const char *body = json_string_value(json_object_get(item, "body"));
    g_reentrant_rc = csc_log(CSC_LOG_ERROR, "logged from before_send_log", NULL); /* never loops */
    csc_flush(100);                                                               /* nor deadlocks */
    if (body && !strcmp(body, "drop me")) return false;
    json_object_set_new(json_object_get(item, "attributes"), "edited",
                        json_pack("{s:b,s:s}", "value", 1, "type", "boolean"));
    return true;
}

static void test_before_send_log(void) {
    CHECK_EQ_INT(start_logs(false, edit_or_drop, NULL), CSC_OK);
    csc_log(CSC_LOG_INFO, "keep me", NULL);
    csc_log(CSC_LOG_INFO, "drop me", NULL);
    csc_flush(2000);
    json_t *all = collected(NULL, NULL);
    CHECK_EQ_INT(json_array_size(all), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(all, 0), "body")), "keep me");
    CHECK(json_is_true(attr_value(json_array_get(all, 0), "edited")));
    CHECK_EQ_INT(g_reentrant_rc, CSC_ERR_DISABLED);
    json_decref(all);
    csc_close();
}

static void test_user_only_with_pii(void) {
    for (int pii = 0; pii < 2; pii++) {
        CHECK_EQ_INT(start_logs(pii, NULL, NULL), CSC_OK);
        csc_scope_set_user(csc_isolation_scope(),
                           json_pack("{s:s,s:s,s:s}", "id", "u1", "email", "a@b.c", "username", "ada"));
        csc_log(CSC_LOG_INFO, "who", NULL);
        csc_flush(2000);
        json_t *all = collected(NULL, NULL);
        json_t *it = json_array_get(all, 0);
        if (pii) {
            CHECK_STR(json_string_value(attr_value(it, "user.id")), "u1");
            CHECK_STR(json_string_value(attr_value(it, "user.email")), "a@b.c");
            CHECK_STR(json_string_value(attr_value(it, "user.name")), "ada");
        } else {
            CHECK(it && !attr(it, "user.id") && !attr(it, "user.email"));
        }
        json_decref(all);
        csc_scope_set_user(csc_isolation_scope(), NULL);
        csc_close();
    }
}

static void test_bad_input(void) {
    CHECK_EQ_INT(start_logs(false, NULL, NULL), CSC_OK);
    CHECK_EQ_INT(csc_log_record(NULL, NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_log(CSC_LOG_INFO, NULL, json_pack("{s:i}", "leak", 1)), CSC_ERR_NULL); /* stolen even so */
    CHECK_EQ_INT(csc_log((csc_log_level_t)7, "bad level", NULL), CSC_ERR_INVALID);
    CHECK(csc_log_level_name((csc_log_level_t)7) == NULL);
    CHECK_EQ_INT(csc_log(CSC_LOG_INFO, "bad \xff\xfe utf-8", json_string("not an object")), CSC_OK);
    size_t big = 100000;
    char *huge = malloc(big + 1);
    memset(huge, 'x', big);
    huge[big] = 0;
    CHECK_EQ_INT(csc_log(CSC_LOG_INFO, huge, NULL), CSC_OK);
    free(huge);
    json_t *deep = json_integer(1);
    for (int i = 0; i < 200; i++) deep = json_pack("{s:o}", "d", deep);
    CHECK_EQ_INT(csc_log(CSC_LOG_INFO, "deep", json_pack("{s:o}", "deep", deep)), CSC_OK);
    /* strings from jansson's unchecked constructors (a host's), an attribute lying about its type */
    json_t *unchecked = json_object();
    json_object_set_new_nocheck(unchecked, "bad\xffkey", json_stringn_nocheck("v\xff\xfe", 3));
    json_object_set_new(unchecked, "liar", json_pack("{s:s,s:s}", "value", "text", "type", "integer"));
    CHECK_EQ_INT(csc_log(CSC_LOG_INFO, "unchecked", unchecked), CSC_OK);
    csc_flush(2000);
    json_t *all = collected(NULL, NULL);
    CHECK_EQ_INT(json_array_size(all), 4);
    json_t *u = json_array_get(all, 3);
    CHECK_STR(json_string_value(json_object_get(u, "body")), "unchecked"); /* the batch was not lost */
    CHECK_STR(attr_type(u, "liar"), "string");
    const char *b0 = json_string_value(json_object_get(json_array_get(all, 0), "body"));
    CHECK(b0 && tl_utf8_valid(b0, strlen(b0)) && strstr(b0, "utf-8"));
    CHECK(!json_object_get(json_object_get(json_array_get(all, 0), "attributes"), "leak"));
    const char *b1 = json_string_value(json_object_get(json_array_get(all, 1), "body"));
    CHECK(b1 && strlen(b1) <= 8192);
    CHECK_STR(attr_type(json_array_get(all, 2), "deep"), "string");
    json_decref(all);
    csc_close();
}

static void test_close_sends_what_waits(void) {
    CHECK_EQ_INT(start_logs(false, NULL, NULL), CSC_OK);
    for (int i = 0; i < 7; i++) csc_log(CSC_LOG_INFO, "before close", NULL);
    csc_close();
    json_t *all = collected(NULL, NULL);
    CHECK_EQ_INT(json_array_size(all), 7);
    json_decref(all);
}

static void *log_from_thread(void *arg) {
    for (int i = 0; i < 200; i++) csc_log(CSC_LOG_INFO, "threaded", json_pack("{s:i}", "i", i));
    return arg;
}

static void test_threads(void) {
    CHECK_EQ_INT(start_logs(false, NULL, NULL), CSC_OK);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, log_from_thread, NULL);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    csc_flush(5000);
    json_t *all = collected(NULL, NULL);
    CHECK_EQ_INT(json_array_size(all), 800);
    json_decref(all);
    csc_close();
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--dump")) g_dump = argv[2];
    RUN(test_off_by_default);
    RUN(test_item_fields_and_typed_attributes);
    RUN(test_span_template_and_record_fields);
    RUN(test_batches_of_100_in_order);
    RUN(test_at_most_1000_wait);
    RUN(test_before_send_log);
    RUN(test_user_only_with_pii);
    RUN(test_bad_input);
    RUN(test_close_sends_what_waits);
    RUN(test_threads);
    if (!g_dump) RUN(test_100_lines_go_at_once_and_one_after_5s);
    tl_sink_reset();
    return TL_DONE();
}

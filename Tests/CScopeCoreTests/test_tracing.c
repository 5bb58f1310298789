/*
 * test_tracing.c: transactions and spans (include/cscope/tracing.h): the transaction event,
 * the span recorder and its limits, HTTP status mapping, sampling order and sample_rand,
 * continuing incoming traces (malformed sentry-trace / baggage / traceparent), outgoing
 * headers, the DSC, errors inside spans, threads, and the deferred (worker-rendered) path.
 */
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cscope_spi.h" /* csc_span_set_start_timestamp */
#include "testlib.h"

#define DSN      "https://pub123@o7.ingest.sentry.io/42"
#define IN_TRACE "4c79f60c11214eb38604f4ae0781bfb2"
#define IN_SPAN  "fa90fdead5f74052"

/* ------------------------------------------------------------ helpers */

static bool (*bst_impl)(json_t *event);
static int bst_calls, bs_calls;
static bool bst_hook(json_t *ev, void *ud) {
    (void)ud;
    bst_calls++;
    return bst_impl ? bst_impl(ev) : true;
}
static bool bs_hook(json_t *ev, void *ud) {
    (void)ev;
    (void)ud;
    bs_calls++;
    return true;
}

static csc_options_t *opts(double rate) {
    csc_options_t *o = tl_options();
    (void)csc_options_set_dsn(o, DSN);
    if (!isnan(rate)) (void)csc_options_set_traces_sample_rate(o, rate);
    bst_impl = NULL;
    bst_calls = bs_calls = 0;
    return o;
}

static void start(double rate) { CHECK_EQ_INT(tl_start(opts(rate)), CSC_OK); }

/* Fresh tiers for this thread (the tests share one thread). */
static csc_scope_token_t g_tok;
static void push(void) { csc_push_isolation_scope(&g_tok); }
static void pop(void) { csc_pop_isolation_scope(&g_tok); }

static csc_span_t *tx_start(const char *name, const char *op, const csc_header_t *h, size_t n) {
    csc_transaction_options_t to = CSC_TRANSACTION_OPTIONS_INIT;
    to.name = name;
    to.op = op;
    to.source = "route";
    to.headers = h;
    to.header_count = n;
    return csc_transaction_start(&to);
}

/* The envelope header of the newest envelope (caller owns). */
static json_t *last_header(void) {
    csc_envelope_t *e = tl_last_envelope();
    size_t len = 0;
    const char *b = e ? csc_envelope_serialize(e, &len) : NULL;
    const char *nl = b ? memchr(b, '\n', len) : NULL; /* the bytes are not NUL-terminated */
    return nl ? json_loadb(b, (size_t)(nl - b), 0, NULL) : NULL;
}

static long envelopes(void) {
    pthread_mutex_lock(&tl_sink.mu);
    long n = tl_sink.total;
    pthread_mutex_unlock(&tl_sink.mu);
    return n;
}

/* ------------------------------------------------------------ the transaction event */

static void test_transaction_event_shape(void) {
    start(1.0);
    push();
    (void)csc_scope_set_tag(csc_isolation_scope(), "tenant", "acme");
    (void)csc_scope_set_user(csc_isolation_scope(), json_pack("{s:s}", "id", "u1"));
    json_t *crumb = json_pack("{s:s}", "message", "not on transactions");
    (void)csc_scope_add_breadcrumb_json(csc_isolation_scope(), crumb); /* borrowed */
    json_decref(crumb);
    csc_span_t *tx = tx_start("GET /cart", "http.server", NULL, 0);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_YES);
    (void)csc_span_set_tag(tx, "region", "eu");
    (void)csc_span_set_data(tx, "cart.items", json_integer(3));
    csc_span_t *a = csc_span_start_child(tx, "db.query", "SELECT 1");
    (void)csc_span_set_data(a, "db.system", json_string("sqlite"));
    csc_span_t *b = csc_span_start_child(a, "http.client", "GET /x");
    CHECK_EQ_INT(csc_span_finish(b), CSC_OK);
    CHECK_EQ_INT(csc_span_finish(a), CSC_OK);
    tl_sink_reset();
    char id[33] = "";
    CHECK_EQ_INT(csc_span_finish_ex(tx, NULL, 0, id), CSC_OK);
    CHECK(tl_is_hex(id, 32));
    CHECK_STR(csc_envelope_item_type(tl_last_envelope(), 0), "transaction");
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(ev, "type"), "transaction");
    CHECK_STR(tl_str(ev, "transaction"), "GET /cart");
    CHECK_STR(tl_str(ev, "transaction_info.source"), "route");
    CHECK_STR(tl_str(ev, "tags.region"), "eu");
    CHECK_STR(tl_str(ev, "tags.tenant"), "acme");
    CHECK_STR(tl_str(ev, "user.id"), "u1");
    CHECK(tl_path(ev, "breadcrumbs") == NULL);
    CHECK(json_is_object(tl_path(ev, "measurements")));
    CHECK(tl_str(ev, "start_timestamp") && tl_str(ev, "timestamp"));
    CHECK_STR(tl_str(ev, "contexts.trace.op"), "http.server");
    CHECK_STR(tl_str(ev, "contexts.trace.origin"), "manual");
    CHECK(json_is_null(tl_path(ev, "contexts.trace.parent_span_id")));
    CHECK_EQ_INT(json_integer_value(json_object_get(tl_path(ev, "contexts.trace.data"), "cart.items")), 3);
    json_t *spans = json_object_get(ev, "spans");
    CHECK_EQ_INT(json_array_size(spans), 2);
    char txid[17], aid[17];
    csc_span_get_span_id(tx, txid);
    csc_span_get_span_id(a, aid);
    CHECK_STR(tl_str(ev, "contexts.trace.span_id"), txid);
    for (size_t i = 0; i < json_array_size(spans); i++) {
        json_t *s = json_array_get(spans, i);
        CHECK_STR(tl_str(s, "trace_id"), tl_str(ev, "contexts.trace.trace_id"));
        CHECK(json_is_true(json_object_get(s, "same_process_as_parent")));
        const char *op = tl_str(s, "op");
        if (op && !strcmp(op, "db.query")) {
            CHECK_STR(tl_str(s, "parent_span_id"), txid);
            CHECK_STR(json_string_value(json_object_get(json_object_get(s, "data"), "db.system")), "sqlite");
        } else {
            CHECK_STR(tl_str(s, "parent_span_id"), aid);
        }
    }
    json_t *h = last_header();
    CHECK_STR(tl_str(h, "trace.transaction"), "GET /cart");
    CHECK_STR(tl_str(h, "trace.sample_rate"), "1.0");
    CHECK_STR(tl_str(h, "trace.sampled"), "true");
    CHECK_STR(tl_str(h, "trace.public_key"), "pub123");
    CHECK_STR(tl_str(h, "trace.org_id"), "7");
    const char *sr = tl_str(h, "trace.sample_rand");
    CHECK(sr && strlen(sr) == 8 && sr[0] == '0' && sr[1] == '.');
    json_decref(h);
    json_decref(ev);
    csc_span_release(b);
    csc_span_release(a);
    csc_span_release(tx);
    pop();
    csc_close();
}

static void test_http_status_mapping(void) {
    static const struct {
        int code;
        const char *status;
    } table[] = {
        {200, "ok"},
        {302, "ok"},
        {400, "invalid_argument"},
        {401, "unauthenticated"},
        {403, "permission_denied"},
        {404, "not_found"},
        {409, "already_exists"},
        {413, "failed_precondition"},
        {429, "resource_exhausted"},
        {499, "invalid_argument"},
        {500, "internal_error"},
        {501, "unimplemented"},
        {502, "internal_error"},
        {503, "unavailable"},
        {504, "deadline_exceeded"},
        {600, "unknown_error"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        CHECK_STR(csc_span_status_from_http(table[i].code), table[i].status);
    start(1.0);
    push();
    csc_span_t *tx = tx_start("GET /up", "http.server", NULL, 0);
    csc_span_t *c = csc_span_start_child(tx, "http.client", NULL);
    CHECK_EQ_INT(csc_span_set_http_status(c, 503), CSC_OK);
    csc_span_finish(c);
    CHECK_EQ_INT(csc_span_set_http_status(tx, 502), CSC_OK);
    tl_sink_reset();
    csc_span_finish(tx);
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(ev, "contexts.trace.status"), "internal_error");
    CHECK_EQ_INT(json_integer_value(tl_path(ev, "contexts.response.status_code")), 502);
    CHECK_EQ_INT(json_integer_value(json_object_get(tl_path(ev, "contexts.trace.data"), "http.response.status_code")),
                 502);
    CHECK_STR(json_string_value(json_object_get(json_object_get(ev, "tags"), "http.status_code")), "502");
    CHECK(json_object_get(json_object_get(ev, "tags"), "status") == NULL);
    json_t *s = json_array_get(json_object_get(ev, "spans"), 0);
    CHECK_STR(tl_str(s, "status"), "unavailable");
    CHECK_STR(tl_str(s, "tags.status"), "unavailable");
    CHECK_STR(json_string_value(json_object_get(json_object_get(s, "tags"), "http.status_code")), "503");
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(s, "data"), "http.response.status_code")), 503);
    json_decref(ev);
    csc_span_release(c);
    csc_span_release(tx);
    pop();
    csc_close();
}

/* ------------------------------------------------------------ finishing, the recorder */

static void test_finish_twice_and_late_child(void) {
    start(1.0);
    push();
    csc_span_t *tx = tx_start("t", "task", NULL, 0);
    csc_span_t *early = csc_span_start_child(tx, "a", NULL);
    csc_span_t *late = csc_span_start_child(tx, "b", NULL);
    CHECK_EQ_INT(csc_span_finish(early), CSC_OK);
    CHECK_EQ_INT(csc_span_finish(early), CSC_ERR_INVALID);
    tl_sink_reset();
    CHECK_EQ_INT(csc_span_finish(tx), CSC_OK);
    CHECK_EQ_INT(csc_span_finish(tx), CSC_ERR_INVALID);
    CHECK_EQ_INT(envelopes(), 1);
    CHECK_EQ_INT(csc_span_set_tag(late, "k", "v"), CSC_ERR_INVALID); /* its transaction is finished */
    CHECK_EQ_INT(csc_span_finish(late), CSC_OK);                     /* finishes, but is not sent */
    CHECK_EQ_INT(envelopes(), 1);
    json_t *ev = tl_last_event();
    CHECK_EQ_INT(json_array_size(json_object_get(ev, "spans")), 1);
    CHECK_STR(tl_str(json_array_get(json_object_get(ev, "spans"), 0), "op"), "a");
    json_decref(ev);
    csc_span_release(early);
    csc_span_release(late);
    csc_span_release(tx);
    pop();
    csc_close();
}

/* Times a caller reports (swift-distributed-tracing's instants): csc_span_set_start_timestamp and
 * csc_span_start_child_at (cscope_spi.h), csc_span_finish_ex's end time, on the transaction and
 * on children. */
static void test_reported_start_and_end_times(void) {
    start(1.0);
    push();
    csc_span_t *tx = tx_start("t", "task", NULL, 0);
    csc_span_t *c = csc_span_start_child(tx, "a", NULL);
    CHECK_EQ_INT(csc_span_set_start_timestamp(NULL, 1), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_span_set_start_timestamp(c, 0), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_span_set_start_timestamp(tx, 1700000000123456), CSC_OK);
    CHECK_EQ_INT(csc_span_set_start_timestamp(c, 1700000000200000), CSC_OK);
    CHECK_EQ_INT(csc_span_finish_ex(c, NULL, 1700000001000000, NULL), CSC_OK);
    CHECK_EQ_INT(csc_span_set_start_timestamp(c, 1700000000300000), CSC_ERR_INVALID); /* finished */
    csc_span_t *d = csc_span_start_child_at(tx, "b", "started at", 1700000000300000);
    CHECK_EQ_INT(csc_span_finish_ex(d, NULL, 1700000000400000, NULL), CSC_OK);
    tl_sink_reset();
    CHECK_EQ_INT(csc_span_finish_ex(tx, NULL, 1700000002500000, NULL), CSC_OK);
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(ev, "start_timestamp"), "2023-11-14T22:13:20.123456Z");
    CHECK_STR(tl_str(ev, "timestamp"), "2023-11-14T22:13:22.500000Z");
    json_t *span = json_array_get(json_object_get(ev, "spans"), 0);
    CHECK_STR(tl_str(span, "start_timestamp"), "2023-11-14T22:13:20.200000Z");
    CHECK_STR(tl_str(span, "timestamp"), "2023-11-14T22:13:21.000000Z");
    span = json_array_get(json_object_get(ev, "spans"), 1);
    CHECK_STR(tl_str(span, "description"), "started at");
    CHECK_STR(tl_str(span, "start_timestamp"), "2023-11-14T22:13:20.300000Z");
    CHECK_STR(tl_str(span, "timestamp"), "2023-11-14T22:13:20.400000Z");
    json_decref(ev);
    csc_span_release(d);
    csc_span_release(c);
    csc_span_release(tx);
    pop();
    csc_close();
}

static void test_max_spans(void) {
    csc_options_t *o = opts(1.0);
    CHECK_EQ_INT(csc_options_set_max_spans(o, 0), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_options_set_max_spans(o, 5), CSC_OK);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    push();
    csc_span_t *tx = tx_start("t", "task", NULL, 0);
    for (int i = 0; i < 12; i++) {
        csc_span_t *c = csc_span_start_child(tx, "child", NULL);
        csc_span_finish(c);
        csc_span_release(c);
    }
    tl_sink_reset();
    csc_span_finish(tx);
    json_t *ev = tl_last_event();
    CHECK_EQ_INT(json_array_size(json_object_get(ev, "spans")), 5);
    json_decref(ev);
    csc_span_release(tx);
    pop();
    csc_close();
}

static void test_never_finished_is_freed_not_sent(void) {
    start(1.0);
    push();
    tl_sink_reset();
    csc_span_t *tx = tx_start("t", "task", NULL, 0);
    csc_span_t *c = csc_span_start_child(tx, "child", NULL);
    csc_span_t *gc = csc_span_start_child(c, "grandchild", NULL);
    (void)csc_scope_bind_span(csc_current_scope(), tx);
    (void)csc_scope_bind_span(csc_current_scope(), NULL);
    csc_span_release(tx); /* the children outlive it: no leak, nothing sent */
    CHECK_EQ_INT(csc_span_set_tag(c, "k", "v"), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_span_finish(gc), CSC_OK);
    csc_span_release(gc);
    csc_span_release(c);
    CHECK_EQ_INT(envelopes(), 0);
    pop();
    csc_close();
}

typedef struct {
    csc_span_t *tx;
    int n;
} spawn_t;

static void *make_spans(void *arg) {
    spawn_t *s = arg;
    for (int i = 0; i < s->n; i++) {
        csc_span_t *c = csc_span_start_child(s->tx, "work", "item");
        (void)csc_span_set_data(c, "i", json_integer(i));
        csc_span_finish(c);
        csc_span_release(c);
    }
    return NULL;
}

static void *finish_tx(void *arg) {
    csc_span_finish(arg);
    return NULL;
}

static void test_ten_thousand_spans_threads(void) {
    start(1.0);
    push();
    csc_span_t *tx = tx_start("bulk", "task", NULL, 0);
    pthread_t th[4];
    spawn_t s = {tx, 2500};
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, make_spans, &s);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    tl_sink_reset();
    pthread_t f;
    pthread_create(&f, NULL, finish_tx, tx); /* finishing from another thread */
    pthread_join(f, NULL);
    CHECK(csc_span_is_finished(tx));
    json_t *ev = tl_last_event();
    CHECK_EQ_INT(json_array_size(json_object_get(ev, "spans")), CSC_DEFAULT_MAX_SPANS);
    json_decref(ev);
    csc_span_release(tx);
    pop();
    csc_close();
}

/* ------------------------------------------------------------ sampling */

static void test_unsampled_and_tracing_off(void) {
    start(0.0);
    CHECK(csc_is_tracing_enabled()); /* a rate of 0 is tracing on, every transaction unsampled */
    push();
    tl_sink_reset();
    csc_span_t *tx = tx_start("t", "task", NULL, 0);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_NO);
    csc_span_t *c = csc_span_start_child(tx, "c", NULL);
    CHECK_EQ_INT(csc_span_get_sampled(c), CSC_SAMPLED_NO);
    csc_span_finish(c);
    CHECK_EQ_INT(csc_span_finish(tx), CSC_ERR_DROPPED);
    CHECK_EQ_INT(envelopes(), 0);
    csc_span_release(c);
    csc_span_release(tx);
    pop();
    csc_close();
    CHECK(!csc_is_tracing_enabled());
    start(NAN); /* no rate, no sampler: tracing off */
    CHECK(!csc_is_tracing_enabled());
    push();
    tx = tx_start("t", "task", NULL, 0);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_NO);
    CHECK_EQ_INT(csc_span_finish(tx), CSC_ERR_DROPPED);
    csc_span_release(tx);
    pop();
    csc_close();
    /* disabled SDK: still a usable (unsampled) transaction */
    tx = tx_start("t", "task", NULL, 0);
    CHECK(tx != NULL);
    CHECK_EQ_INT(csc_span_finish(tx), CSC_ERR_DISABLED);
    csc_span_release(tx);
}

static void test_env_sample_rate(void) {
    setenv("SENTRY_TRACES_SAMPLE_RATE", "1", 1);
    csc_options_t *o = opts(NAN); /* nothing set in code: the environment's rate */
    unsetenv("SENTRY_TRACES_SAMPLE_RATE");
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    CHECK(csc_is_tracing_enabled());
    csc_span_t *tx = tx_start("t", "task", NULL, 0);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_YES);
    csc_span_release(tx);
    csc_close();
    setenv("SENTRY_TRACES_SAMPLE_RATE", "1", 1);
    o = opts(0.0); /* a rate set in code wins */
    unsetenv("SENTRY_TRACES_SAMPLE_RATE");
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    tx = tx_start("t", "task", NULL, 0);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_NO);
    csc_span_release(tx);
    csc_close();
}

static void test_forced_decision(void) {
    start(0.0);
    push();
    csc_transaction_options_t to = CSC_TRANSACTION_OPTIONS_INIT;
    to.name = "forced";
    to.sampled = CSC_SAMPLED_YES;
    csc_span_t *tx = csc_transaction_start(&to);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_YES);
    tl_sink_reset();
    CHECK_EQ_INT(csc_span_finish(tx), CSC_OK);
    json_t *h = last_header();
    CHECK_STR(tl_str(h, "trace.sample_rate"), "1.0");
    CHECK_STR(tl_str(h, "trace.transaction"), "forced");
    json_decref(h);
    csc_span_release(tx);
    pop();
    csc_close();
    start(1.0);
    to.sampled = CSC_SAMPLED_NO;
    tx = csc_transaction_start(&to);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_NO);
    csc_span_release(tx);
    csc_close();
}

static csc_sampling_context_t g_seen;
static char g_seen_name[64];
static int g_sampler_calls;
static double g_sampler_result;

static double sampler(const csc_sampling_context_t *ctx, void *ud) {
    (void)ud;
    g_sampler_calls++;
    g_seen = *ctx;
    snprintf(g_seen_name, sizeof g_seen_name, "%s", ctx->name);
    json_t *v = ctx->custom ? json_object_get(ctx->custom, "rate") : NULL;
    if (json_is_number(v)) return json_number_value(v);
    if (ctx->parent_sampled != CSC_SAMPLED_UNSET) return ctx->parent_sampled;
    return g_sampler_result;
}

static void test_sampler(void) {
    csc_options_t *o = opts(1.0); /* the sampler beats the rate */
    (void)csc_options_set_traces_sampler(o, sampler, NULL);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    push();
    g_sampler_result = 0.0;
    g_sampler_calls = 0;
    csc_span_t *tx = tx_start("by-name", "task", NULL, 0);
    CHECK_EQ_INT(g_sampler_calls, 1);
    CHECK_STR(g_seen_name, "by-name");
    CHECK_EQ_INT(g_seen.parent_sampled, CSC_SAMPLED_UNSET);
    CHECK(isnan(g_seen.parent_sample_rate));
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_NO);
    csc_span_release(tx);
    /* custom sampling context */
    json_t *custom = json_pack("{s:f}", "rate", 1.0);
    csc_transaction_options_t to = CSC_TRANSACTION_OPTIONS_INIT;
    to.name = "custom";
    to.custom_sampling_context = custom;
    tx = csc_transaction_start(&to);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_YES);
    csc_span_release(tx);
    json_decref(custom);
    /* parent decision and rate reach the sampler */
    csc_header_t h[] = {{"sentry-trace", IN_TRACE "-" IN_SPAN "-1"},
                        {"baggage", "sentry-sample_rate=0.25,sentry-sample_rand=0.125"}};
    tx = tx_start("continued", "http.server", h, 2);
    CHECK_EQ_INT(g_seen.parent_sampled, CSC_SAMPLED_YES);
    CHECK(fabs(g_seen.parent_sample_rate - 0.25) < 1e-12);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_YES);
    tl_sink_reset();
    csc_span_finish(tx);
    json_t *hd = last_header();
    CHECK_STR(tl_str(hd, "trace.sample_rate"), "1.0"); /* the sampler's result replaces the incoming rate */
    CHECK_STR(tl_str(hd, "trace.sample_rand"), "0.125");
    json_decref(hd);
    CHECK_EQ_INT(csc_span_set_tag(tx, "late", "1"), CSC_ERR_INVALID); /* finished: no longer changes */
    csc_span_release(tx);
    /* intended difference: an error outside the transaction keeps the DSC as received (Python
     * would show the sampler's 1.0 there too, having changed the propagation context's baggage) */
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("outside", CSC_LEVEL_INFO, NULL, NULL), CSC_OK);
    hd = last_header();
    CHECK_STR(tl_str(hd, "trace.sample_rate"), "0.25");
    json_decref(hd);
    /* invalid results unsample */
    double bad[] = {NAN, -0.5, 1.5};
    for (int i = 0; i < 3; i++) {
        g_sampler_result = bad[i];
        tx = tx_start("bad", "task", NULL, 0);
        CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_NO);
        csc_span_release(tx);
    }
    pop();
    csc_close();
}

static void test_parent_decision_without_sampler(void) {
    start(0.0); /* the parent's decision beats the rate; the incoming sample_rate is kept */
    push();
    csc_header_t h[] = {{"Sentry-Trace", IN_TRACE "-" IN_SPAN "-1"},
                        {"BAGGAGE", "sentry-sample_rate=0.5,sentry-sample_rand=0.25,sentry-trace_id=" IN_TRACE}};
    csc_span_t *tx = tx_start("t", "task", h, 2);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_YES);
    char tid[33];
    csc_span_get_trace_id(tx, tid);
    CHECK_STR(tid, IN_TRACE);
    tl_sink_reset();
    csc_span_finish(tx);
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(ev, "contexts.trace.parent_span_id"), IN_SPAN);
    json_t *hd = last_header();
    CHECK_STR(tl_str(hd, "trace.sample_rate"), "0.5");
    CHECK(tl_path(hd, "trace.public_key") == NULL); /* frozen: only what came in */
    json_decref(hd);
    json_decref(ev);
    csc_span_release(tx);
    pop();
    csc_close();
}

static void test_float_repr_in_dsc(void) {
    static const struct {
        double r;
        const char *s;
    } table[] = {{0.25, "0.25"}, {1.0, "1.0"}, {0.1, "0.1"}, {1e-05, "1e-05"}, {0.3333, "0.3333"}};
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        start(table[i].r);
        push();
        csc_trace_headers_t out;
        CHECK(csc_trace_headers(NULL, NULL, &out) >= 2);
        char want[64];
        snprintf(want, sizeof want, "sentry-sample_rate=%s", table[i].s);
        CHECK(out.baggage && strstr(out.baggage, want));
        csc_trace_headers_clear(&out);
        pop();
        csc_close();
    }
}

/* ------------------------------------------------------------ incoming headers */

/* Continues `value` as sentry-trace; returns the trace id now on the current scope. */
static bool continued(const char *name, const char *value, char tid[33]) {
    csc_header_t h = {name, value};
    int rc = csc_continue_trace(&h, 1, NULL);
    csc_scope_get_trace_id(csc_current_scope(), tid);
    return rc == CSC_OK;
}

static void test_sentry_trace_parsing(void) {
    start(1.0);
    push();
    char tid[33];
    static const char *good[] = {
        IN_TRACE "-" IN_SPAN "-1",
        IN_TRACE "-" IN_SPAN "-0",
        IN_TRACE "-" IN_SPAN,
        " \t" IN_TRACE "-" IN_SPAN "-1 \t",
        ", ," IN_TRACE "-" IN_SPAN "-1,ffffffffffffffffffffffffffffffff-ffffffffffffffff-1",
        "00-" IN_TRACE "-" IN_SPAN "-00",
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        CHECK(continued("sentry-trace", good[i], tid));
        CHECK_STR(tid, IN_TRACE);
    }
    static const char *bad[] = {
        "4C79F60C11214EB38604F4AE0781BFB2-FA90FDEAD5F74052-1", /* upper case */
        IN_TRACE "-" IN_SPAN "-2",                             /* bad flag */
        IN_TRACE "-" IN_SPAN "-10",                            /* flag too long */
        "4c79f60c11214eb38604f4ae0781bfb-" IN_SPAN "-1",       /* 31 hex */
        IN_TRACE "0-" IN_SPAN "-1",                            /* 33 hex */
        IN_TRACE "-fa90fdead5f7405-1",                         /* 15 hex span */
        IN_TRACE "-" IN_SPAN "-1x",
        "garbage",
        " , ",                       /* trailing junk, junk, only separators */
        IN_TRACE "-" IN_SPAN "-1\n", /* newline is not the allowed whitespace */
        "\xff\xfe" IN_TRACE,         /* invalid UTF-8 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(!continued("sentry-trace", bad[i], tid));
        CHECK(strcmp(tid, IN_TRACE) != 0);
    }
    /* the empty-parts quirks of the Python regex: a lone span id continues with a new trace id */
    CHECK(continued("sentry-trace", "-" IN_SPAN "-1", tid));
    CHECK(strcmp(tid, IN_TRACE) != 0 && tl_is_hex(tid, 32));
    /* no trace header: a new trace, whatever the baggage says */
    csc_header_t only_bag = {"baggage", "sentry-trace_id=" IN_TRACE};
    CHECK_EQ_INT(csc_continue_trace(&only_bag, 1, NULL), CSC_ERR_PARSE);
    csc_scope_get_trace_id(csc_current_scope(), tid);
    CHECK(strcmp(tid, IN_TRACE) != 0);
    pop();
    csc_close();
}

static void test_traceparent(void) {
    start(1.0);
    push();
    char tid[33];
    CHECK(continued("traceparent", "00-" IN_TRACE "-" IN_SPAN "-01", tid));
    CHECK_STR(tid, IN_TRACE);
    csc_span_t *tx = tx_start("t", "task", (csc_header_t[]){{"TraceParent", "00-" IN_TRACE "-" IN_SPAN "-00"}}, 1);
    CHECK_EQ_INT(csc_span_get_sampled(tx), CSC_SAMPLED_NO); /* flags 00: the parent did not sample */
    csc_span_release(tx);
    static const char *bad[] = {
        "01-" IN_TRACE "-" IN_SPAN "-01",
        "00-" IN_TRACE "-" IN_SPAN "-1",
        "00-" IN_TRACE "-" IN_SPAN "-0g",
        "00-4C79F60C11214EB38604F4AE0781BFB2-" IN_SPAN "-01",
        "00-00000000000000000000000000000000-" IN_SPAN "-01",
        "00-" IN_TRACE "-0000000000000000-01",
        "00-" IN_TRACE "-" IN_SPAN "-01-extra",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(!continued("traceparent", bad[i], tid));
        CHECK(strcmp(tid, IN_TRACE) != 0);
    }
    /* a sentry-trace wins over traceparent */
    csc_header_t both[] = {{"traceparent", "00-" IN_TRACE "-" IN_SPAN "-01"},
                           {"sentry-trace", "11112222333344445555666677778888-1111222233334444-1"}};
    CHECK_EQ_INT(csc_continue_trace(both, 2, NULL), CSC_OK);
    csc_scope_get_trace_id(csc_current_scope(), tid);
    CHECK_STR(tid, "11112222333344445555666677778888");
    pop();
    csc_close();
}

/* The incoming DSC as the transaction's envelope header sees it (caller owns). */
static json_t *dsc_after(const char *baggage) {
    csc_header_t h[] = {{"sentry-trace", IN_TRACE "-" IN_SPAN "-1"}, {"baggage", baggage}};
    csc_span_t *tx = tx_start("t", "task", h, baggage ? 2 : 1);
    tl_sink_reset();
    csc_span_finish(tx);
    csc_span_release(tx);
    json_t *hd = last_header();
    json_t *t = json_incref(json_object_get(hd, "trace"));
    json_decref(hd);
    return t;
}

static void test_baggage_parsing(void) {
    start(1.0);
    push();
    json_t *d = dsc_after("other=1, sentry-release=web%401.2 "
                          ",sentry-environment=a,sentry-environment=b,sentry-transaction=%zz%4,sentry-user_segment="
                          "\xff\xfe,noequals,sentry-sample_rand=0.5");
    CHECK_STR(tl_str(d, "release"), "web@1.2");
    CHECK_STR(tl_str(d, "environment"), "b");     /* a later duplicate wins */
    CHECK_STR(tl_str(d, "transaction"), "%zz%4"); /* invalid percent-encoding kept as is */
    const char *seg = tl_str(d, "user_segment");
    CHECK(seg && tl_utf8_valid(seg, strlen(seg)) && strstr(seg, "\xef\xbf\xbd")); /* repaired */
    CHECK(tl_path(d, "other") == NULL);
    CHECK_STR(tl_str(d, "sample_rand"), "0.5");
    json_decref(d);
    /* over 8192 bytes: items beyond the limit are ignored */
    size_t big = 9000;
    char *bag = malloc(big + 64);
    strcpy(bag, "sentry-release=first,other=");
    size_t n = strlen(bag);
    memset(bag + n, 'x', big - n);
    strcpy(bag + big, ",sentry-environment=beyond");
    d = dsc_after(bag);
    CHECK_STR(tl_str(d, "release"), "first");
    CHECK(tl_path(d, "environment") == NULL);
    json_decref(d);
    free(bag);
    /* invalid sample_rand is backfilled in the interval that agrees with the parent (sampled, rate 0.25) */
    for (int i = 0; i < 20; i++) {
        d = dsc_after("sentry-sample_rate=0.25,sentry-sample_rand=1.5");
        const char *r = tl_str(d, "sample_rand");
        CHECK(r && strtod(r, NULL) < 0.25 && strlen(r) == 8);
        json_decref(d);
    }
    pop();
    csc_close();
}

static void test_multiple_values_and_case(void) {
    start(1.0);
    push();
    csc_header_t h[] = {
        {"SENTRY-TRACE", IN_TRACE "-" IN_SPAN "-1"},
        {"Baggage", "sentry-release=r1"},
        {"baggage", "sentry-environment=e1"},
        {NULL, "ignored"},
        {"baggage", NULL},
    };
    CHECK_EQ_INT(csc_continue_trace(h, 5, NULL), CSC_OK);
    csc_trace_headers_t out;
    CHECK(csc_trace_headers(NULL, NULL, &out) >= 2);
    CHECK(strstr(out.baggage, "sentry-release=r1") && strstr(out.baggage, "sentry-environment=e1"));
    csc_trace_headers_clear(&out);
    pop();
    csc_close();
}

static void test_org_id_and_strict(void) {
    char tid[33];
    csc_header_t h[] = {{"sentry-trace", IN_TRACE "-" IN_SPAN "-1"}, {"baggage", "sentry-org_id=99"}};
    start(1.0); /* DSN org 7 vs incoming 99: a new trace */
    push();
    CHECK_EQ_INT(csc_continue_trace(h, 2, NULL), CSC_ERR_PARSE);
    csc_scope_get_trace_id(csc_current_scope(), tid);
    CHECK(strcmp(tid, IN_TRACE) != 0);
    CHECK_EQ_INT(csc_continue_trace(h, 1, NULL), CSC_OK); /* no org in the baggage: continued (not strict) */
    pop();
    csc_close();
    csc_options_t *o = opts(1.0);
    CHECK_EQ_INT(csc_options_set_org_id(o, "x9"), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_options_set_org_id(o, "99"), CSC_OK);
    CHECK_EQ_INT(csc_options_set_strict_trace_continuation(o, true), CSC_OK);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    push();
    CHECK_EQ_INT(csc_continue_trace(h, 2, NULL), CSC_OK);        /* 99 == 99 */
    CHECK_EQ_INT(csc_continue_trace(h, 1, NULL), CSC_ERR_PARSE); /* strict: the incoming org is unknown */
    pop();
    csc_close();
}

/* ------------------------------------------------------------ outgoing headers */

static void test_outgoing_headers(void) {
    csc_options_t *o = opts(1.0);
    const char *targets[] = {"^https://api\\.example\\.com/", "internal"};
    CHECK_EQ_INT(csc_options_set_trace_propagation_targets(o, (const char *[]){"(["}, 1), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_options_set_trace_propagation_targets(o, targets, 2), CSC_OK);
    CHECK_EQ_INT(csc_options_set_propagate_traceparent(o, true), CSC_OK);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    push();
    csc_trace_headers_t out;
    /* without a span: the propagation context, no sampled flag */
    CHECK_EQ_INT(csc_trace_headers("https://api.example.com/x", NULL, &out), 3);
    char tid[33];
    if (!csc_scope_get_trace_id(csc_current_scope(), tid)) csc_scope_get_trace_id(csc_isolation_scope(), tid);
    CHECK(strncmp(out.sentry_trace, tid, 32) == 0 && strlen(out.sentry_trace) == 49);
    CHECK(strncmp(out.traceparent, "00-", 3) == 0 && strstr(out.traceparent, "-00") && strlen(out.traceparent) == 55);
    CHECK(strstr(out.baggage, "sentry-sample_rate=1.0") && strstr(out.baggage, "sentry-public_key=pub123"));
    csc_trace_headers_clear(&out);
    /* targets and the DSN's host */
    CHECK_EQ_INT(csc_trace_headers("https://other.example.com/", NULL, &out), 0);
    CHECK_EQ_INT(out.sentry_trace[0], 0);
    CHECK_EQ_INT(csc_trace_headers("https://o7.ingest.sentry.io/api/42/envelope/?internal", NULL, &out), 0);
    CHECK_EQ_INT(csc_trace_headers("http://internal/", NULL, &out), 3);
    csc_trace_headers_clear(&out);
    /* with an incoming trace, a bound child span: its id and flag, the frozen DSC, merged baggage */
    csc_header_t h[] = {{"sentry-trace", IN_TRACE "-" IN_SPAN "-1"},
                        {"baggage", "vendor=secret,sentry-release=web%401.2,sentry-sample_rand=0.5"}};
    csc_span_t *tx = tx_start("t", "http.server", h, 2);
    csc_span_t *c = csc_span_start_child(tx, "db", NULL);
    (void)csc_scope_bind_span(csc_current_scope(), c);
    CHECK_EQ_INT(csc_trace_headers(NULL, "mine=1, sentry-release=old,sentry-trace_id=old", &out), 3);
    char cid[17];
    csc_span_get_span_id(c, cid);
    char want[64];
    snprintf(want, sizeof want, "%s-%s-1", IN_TRACE, cid);
    CHECK_STR(out.sentry_trace, want);
    snprintf(want, sizeof want, "00-%s-%s-01", IN_TRACE, cid);
    CHECK_STR(out.traceparent, want);
    CHECK(strncmp(out.baggage, "mine=1,", 7) == 0);
    CHECK(strstr(out.baggage, "sentry-release=web%401.2") && !strstr(out.baggage, "old") &&
          !strstr(out.baggage, "vendor"));
    csc_trace_headers_clear(&out);
    /* another vendor's item that could corrupt the header (CR LF, non-ASCII) is dropped, and so are
     * items past the 8,192-byte header limit; ours always go (found by fuzz_propagation) */
    static char big[10000];
    memset(big, 'x', sizeof big - 1);
    memcpy(big, "huge=", 5);
    char mixed[10100];
    snprintf(mixed, sizeof mixed, "a=1,evil=1\r\nX-Injected: 1,nonascii=\xad,%s,b=2", big);
    CHECK_EQ_INT(csc_trace_headers(NULL, mixed, &out), 3);
    CHECK(out.baggage && strncmp(out.baggage, "a=1,b=2,sentry-", 15) == 0);
    CHECK(strlen(out.baggage) <= 8192 && !strchr(out.baggage, '\r') && !strstr(out.baggage, "huge"));
    csc_trace_headers_clear(&out);
    { /* an incoming sentry- value that percent-encodes past 8,192 bytes is left out, not the header's limit */
        static char long_bg[12000];
        int at =
            snprintf(long_bg, sizeof long_bg, "sentry-trace_id=%s,sentry-environment=prod,sentry-release=", IN_TRACE);
        for (int i = 0; i < 4000; i++) long_bg[at++] = (char)(i & 1 ? 0xa9 : 0xc3); /* 2,000 x U+00E9 */
        long_bg[at] = 0;
        csc_header_t lh[] = {{"sentry-trace", IN_TRACE "-" IN_SPAN "-1"}, {"baggage", long_bg}};
        csc_span_t *ltx = tx_start("long", "http.server", lh, 2);
        (void)csc_scope_bind_span(csc_current_scope(), ltx);
        CHECK_EQ_INT(csc_trace_headers(NULL, "other=1", &out), 3);
        CHECK(out.baggage && strlen(out.baggage) <= 8192 && strstr(out.baggage, "sentry-environment=prod") &&
              strstr(out.baggage, "other=1") && !strstr(out.baggage, "sentry-release"));
        csc_trace_headers_clear(&out);
        (void)csc_scope_bind_span(csc_current_scope(), NULL);
        csc_span_release(ltx);
    }
    { /* an absurd incoming sample_rate: the backfilled sample_rand stays in [0, 1) (was an overflowing
         * double-to-long conversion, found by fuzz_propagation under UBSan) */
        csc_header_t rh[] = {{"sentry-trace", IN_TRACE "-" IN_SPAN "-1"},
                             {"baggage", "sentry-trace_id=" IN_TRACE ",sentry-sample_rate=5e98"}};
        csc_span_t *rtx = tx_start("rate", "http.server", rh, 2);
        (void)csc_scope_bind_span(csc_current_scope(), rtx);
        CHECK_EQ_INT(csc_trace_headers(NULL, NULL, &out), 3);
        const char *sr = out.baggage ? strstr(out.baggage, "sentry-sample_rand=") : NULL;
        CHECK(sr && (!strncmp(sr + 19, "0.", 2)));
        csc_trace_headers_clear(&out);
        (void)csc_scope_bind_span(csc_current_scope(), NULL);
        csc_span_release(rtx);
    }
    /* a span outside any transaction propagates nothing */
    (void)csc_scope_bind_span(csc_current_scope(), NULL);
    csc_span_finish(c);
    csc_span_release(c);
    csc_span_release(tx);
    csc_span_t *orphan = csc_start_span("x", NULL);
    CHECK_EQ_INT(csc_span_get_sampled(orphan), CSC_SAMPLED_UNSET);
    (void)csc_scope_bind_span(csc_current_scope(), orphan);
    CHECK_EQ_INT(csc_trace_headers(NULL, NULL, &out), 0);
    (void)csc_scope_bind_span(csc_current_scope(), NULL);
    CHECK_EQ_INT(csc_span_finish(orphan), CSC_OK);
    csc_span_release(orphan);
    pop();
    csc_close();
}

/* ------------------------------------------------------------ errors in spans, scope binding */

static void test_error_in_span_carries_its_trace(void) {
    start(1.0);
    push();
    csc_span_t *tx = tx_start("GET /orders", "http.server", NULL, 0);
    (void)csc_scope_bind_span(csc_current_scope(), tx);
    csc_span_t *c = csc_start_span("db.query", "SELECT");
    (void)csc_scope_bind_span(csc_current_scope(), c);
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("boom", CSC_LEVEL_ERROR, NULL, NULL), CSC_OK);
    json_t *ev = tl_last_event();
    char tid[33], cid[17], txid[17];
    csc_span_get_trace_id(tx, tid);
    csc_span_get_span_id(c, cid);
    csc_span_get_span_id(tx, txid);
    CHECK_STR(tl_str(ev, "contexts.trace.trace_id"), tid);
    CHECK_STR(tl_str(ev, "contexts.trace.span_id"), cid);
    CHECK_STR(tl_str(ev, "contexts.trace.parent_span_id"), txid);
    CHECK_STR(tl_str(ev, "contexts.trace.op"), "db.query");
    CHECK_STR(tl_str(ev, "transaction"), "GET /orders"); /* binding the transaction named the scope */
    CHECK_STR(tl_str(ev, "transaction_info.source"), "route");
    json_t *hd = last_header();
    CHECK_STR(tl_str(hd, "trace.trace_id"), tid);
    CHECK_STR(tl_str(hd, "trace.transaction"), "GET /orders");
    CHECK_STR(tl_str(hd, "trace.sampled"), "true");
    json_decref(hd);
    json_decref(ev);
    /* renaming through the scope renames the transaction */
    (void)csc_scope_set_transaction(csc_current_scope(), "GET /orders/:id", "route");
    (void)csc_scope_bind_span(csc_current_scope(), tx);
    csc_span_finish(c);
    tl_sink_reset();
    csc_span_finish(tx);
    ev = tl_last_event();
    CHECK_STR(tl_str(ev, "transaction"), "GET /orders/:id");
    json_decref(ev);
    (void)csc_scope_bind_span(csc_current_scope(), NULL);
    csc_span_release(c);
    csc_span_release(tx);
    pop();
    csc_close();
}

/* ------------------------------------------------------------ processors, before_send_transaction */

static bool add_proc_tag(json_t *ev, void *ud) {
    (void)ud;
    json_object_set_new(json_object_get(ev, "tags"), "proc", json_string("P"));
    return true;
}
static bool drop_all(json_t *ev) {
    (void)ev;
    return false;
}
static bool strip_spans(json_t *ev) {
    json_array_clear(json_object_get(ev, "spans"));
    return true;
}

static void test_processors_and_before_send_transaction(void) {
    csc_options_t *o = opts(1.0);
    (void)csc_options_set_before_send_transaction(o, bst_hook, NULL);
    (void)csc_options_set_before_send(o, bs_hook, NULL);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    push();
    (void)csc_scope_add_event_processor(csc_isolation_scope(), add_proc_tag, NULL, NULL);
    csc_span_t *tx = tx_start("job", "task", NULL, 0);
    csc_span_t *c = csc_span_start_child(tx, "x", NULL);
    csc_span_finish(c);
    bst_impl = strip_spans;
    tl_sink_reset();
    CHECK_EQ_INT(csc_span_finish(tx), CSC_OK);
    CHECK_EQ_INT(bst_calls, 1);
    CHECK_EQ_INT(bs_calls, 0);
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(ev, "tags.proc"), "P");
    CHECK_EQ_INT(json_array_size(json_object_get(ev, "spans")), 0);
    json_decref(ev);
    csc_span_release(c);
    csc_span_release(tx);
    bst_impl = drop_all;
    tx = tx_start("job2", "task", NULL, 0);
    tl_sink_reset();
    CHECK_EQ_INT(csc_span_finish(tx), CSC_ERR_DROPPED);
    CHECK_EQ_INT(envelopes(), 0);
    csc_span_release(tx);
    pop();
    csc_close();
}

/* ------------------------------------------------------------ the deferred path */

static char g_cache[256];

/* Empties and removes g_cache. */
static void remove_cache(void) {
    DIR *d = opendir(g_cache);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", g_cache, e->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    rmdir(g_cache);
}

static json_t *cached_transaction(void) {
    const char *text = tl_cached_envelope(g_cache, "{\"type\":\"transaction\"");
    const char *item = text ? strstr(text, "{\"type\":\"transaction\"") : NULL;
    const char *payload = item ? strchr(item, '\n') : NULL;
    return payload ? json_loadb(payload + 1, strcspn(payload + 1, "\n"), 0, NULL) : NULL;
}

static void test_deferred_render(void) {
    snprintf(g_cache, sizeof g_cache, "/tmp/csc-tracing-test-%d", (int)getpid());
    mkdir(g_cache, 0700);
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_dsn(o, "http://0123456789abcdef0123456789abcdef@127.0.0.1:9/5");
    (void)csc_options_set_traces_sample_rate(o, 1.0);
    (void)csc_options_set_cache_dir(o, g_cache);
    (void)csc_options_set_crash_handler(o, false);
    (void)csc_options_set_send_client_reports(o, false);
    (void)csc_options_set_shutdown_timeout(o, 500);
    CHECK_EQ_INT(csc_init(o), CSC_OK);
    push();
    (void)csc_scope_set_tag(csc_isolation_scope(), "at", "finish");
    csc_span_t *tx = tx_start("deferred", "task", NULL, 0);
    for (int i = 0; i < 10; i++) {
        csc_span_t *c = csc_span_start_child(tx, "child", NULL);
        csc_span_finish(c);
        csc_span_release(c);
    }
    CHECK_EQ_INT(csc_span_finish(tx), CSC_OK);
    (void)csc_scope_set_tag(csc_isolation_scope(), "at", "later"); /* not seen: the snapshot was taken */
    csc_span_release(tx);
    pop();
    csc_close();
    json_t *ev = cached_transaction();
    CHECK(ev != NULL);
    CHECK_STR(tl_str(ev, "transaction"), "deferred");
    CHECK_STR(tl_str(ev, "tags.at"), "finish");
    CHECK_EQ_INT(json_array_size(json_object_get(ev, "spans")), 10);
    json_decref(ev);
    remove_cache();
}

/* Client reports: sampling, before_send_transaction (dropping a transaction or removing spans),
 * an event processor removing spans and the span recorder's cut, each counted
 * as transactions and spans (the report of a closed client waits in the cache directory). */
static bool drop_named(json_t *ev, void *ud) {
    (void)ud;
    const char *n = json_string_value(json_object_get(ev, "transaction"));
    if (n && !strcmp(n, "trim-me")) json_array_remove(json_object_get(ev, "spans"), 0); /* kept, one span less */
    return !(n && !strcmp(n, "drop-me"));
}

/* An event processor that keeps "proc-trim" but removes both of its spans. */
static bool processor_trims(json_t *ev, void *ud) {
    (void)ud;
    const char *n = json_string_value(json_object_get(ev, "transaction"));
    if (n && !strcmp(n, "proc-trim")) json_array_clear(json_object_get(ev, "spans"));
    return true;
}

/* The quantity discarded for (reason, category), summed over every client report in the cache
 * directory: a report may ride on a cached envelope or wait in a file of its own. */
static long long discarded(const char *reason, const char *category) {
    long long n = 0;
    DIR *d = opendir(g_cache);
    struct dirent *de;
    static char buf[1 << 20];
    while (d && (de = readdir(d))) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", g_cache, de->d_name);
        FILE *f = de->d_name[0] == '.' ? NULL : fopen(path, "rb");
        if (!f) continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = 0;
        for (const char *item = strstr(buf, "{\"type\":\"client_report\""); item;
             item = strstr(item + 1, "{\"type\":\"client_report\"")) {
            const char *payload = strchr(item, '\n');
            json_t *report = payload ? json_loadb(payload + 1, strcspn(payload + 1, "\n"), 0, NULL) : NULL;
            json_t *e;
            size_t i;
            json_array_foreach(json_object_get(report, "discarded_events"), i, e) {
                if (!strcmp(json_string_value(json_object_get(e, "reason")), reason) &&
                    !strcmp(json_string_value(json_object_get(e, "category")), category))
                    n += json_integer_value(json_object_get(e, "quantity"));
            }
            json_decref(report);
        }
    }
    if (d) closedir(d);
    return n;
}

static void test_client_reports(void) {
    snprintf(g_cache, sizeof g_cache, "/tmp/csc-tracing-reports-%d", (int)getpid());
    mkdir(g_cache, 0700);
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_dsn(o, "http://0123456789abcdef0123456789abcdef@127.0.0.1:9/5");
    (void)csc_options_set_traces_sample_rate(o, 1.0);
    (void)csc_options_set_max_spans(o, 2);
    (void)csc_options_set_before_send_transaction(o, drop_named, NULL);
    (void)csc_options_set_cache_dir(o, g_cache);
    (void)csc_options_set_crash_handler(o, false);
    (void)csc_options_set_shutdown_timeout(o, 500);
    CHECK_EQ_INT(csc_init(o), CSC_OK);
    push();
    CHECK_EQ_INT(csc_scope_add_event_processor(csc_isolation_scope(), processor_trims, NULL, NULL), CSC_OK);
    const char *names[4] = {"kept", "drop-me", "trim-me", "proc-trim"};
    for (int k = 0; k < 4; k++) {
        csc_span_t *tx = tx_start(names[k], "task", NULL, 0);
        for (int i = 0; i < 3; i++) { /* the third is cut by max_spans */
            csc_span_t *c = csc_span_start_child(tx, "child", NULL);
            csc_span_finish(c);
            csc_span_release(c);
        }
        CHECK_EQ_INT(csc_span_finish(tx), k == 1 ? CSC_ERR_DROPPED : CSC_OK);
        csc_span_release(tx);
    }
    csc_transaction_options_t to = CSC_TRANSACTION_OPTIONS_INIT;
    to.name = "unsampled";
    to.sampled = CSC_SAMPLED_NO;
    csc_span_t *tx = csc_transaction_start(&to);
    CHECK_EQ_INT(csc_span_finish(tx), CSC_ERR_DROPPED);
    csc_span_release(tx);
    pop();
    csc_close();
    CHECK_EQ_INT(discarded("buffer_overflow", "span"), 4); /* one cut from each transaction */
    CHECK_EQ_INT(discarded("before_send", "transaction"), 1);
    CHECK_EQ_INT(discarded("before_send", "span"), 4);     /* drop-me: its 2 spans + itself; trim-me: 1 */
    CHECK_EQ_INT(discarded("event_processor", "span"), 2); /* proc-trim's 2 spans */
    CHECK_EQ_INT(discarded("event_processor", "transaction"), 0);
    CHECK_EQ_INT(discarded("sample_rate", "transaction"), 1);
    CHECK_EQ_INT(discarded("sample_rate", "span"), 1);
    remove_cache();
}

int main(void) {
    RUN(test_transaction_event_shape);
    RUN(test_http_status_mapping);
    RUN(test_finish_twice_and_late_child);
    RUN(test_reported_start_and_end_times);
    RUN(test_max_spans);
    RUN(test_never_finished_is_freed_not_sent);
    RUN(test_ten_thousand_spans_threads);
    RUN(test_unsampled_and_tracing_off);
    RUN(test_env_sample_rate);
    RUN(test_forced_decision);
    RUN(test_sampler);
    RUN(test_parent_decision_without_sampler);
    RUN(test_float_repr_in_dsc);
    RUN(test_sentry_trace_parsing);
    RUN(test_traceparent);
    RUN(test_baggage_parsing);
    RUN(test_multiple_values_and_case);
    RUN(test_org_id_and_strict);
    RUN(test_outgoing_headers);
    RUN(test_error_in_span_carries_its_trace);
    RUN(test_processors_and_before_send_transaction);
    RUN(test_deferred_render);
    RUN(test_client_reports);
    return TL_DONE();
}

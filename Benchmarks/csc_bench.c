/*
 * csc_bench: ns/op of CScopeCore's hot operations, with the fixture of the
 * project's Python benchmark (Benchmarks/python_bench.py): 10 tags, 100 breadcrumbs
 * {message, category, level, data {url, status_code}}, a user, 2 contexts.
 *
 * Usage: csc_bench            -> table (5 repeats; min / median / max ns/op)
 *        csc_bench --json     -> the same as JSON lines (for scripts/bench.sh)
 */
#define _GNU_SOURCE
#include <cscope.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define REPEATS 5
static bool g_json;
static size_t g_bytes;
static csc_scope_t *g_scope;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}
static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef void (*op_fn)(long i);

/* Prints the min/median/max of REPEATS rounds (sorts r). */
static void print_rounds(const char *key, const char *name, double r[REPEATS]) {
    qsort(r, REPEATS, sizeof(double), cmp_d);
    if (g_json)
        printf("{\"op\":\"%s\",\"min\":%.1f,\"median\":%.1f,\"max\":%.1f}\n", key, r[0], r[REPEATS / 2],
               r[REPEATS - 1]);
    else
        printf("%-52s %10.1f %10.1f %10.1f ns/op\n", name, r[0], r[REPEATS / 2], r[REPEATS - 1]);
    fflush(stdout);
}

static void bench(const char *key, const char *name, op_fn fn, long iters) {
    double r[REPEATS];
    for (long i = 0; i < iters / 5 + 1; i++) fn(i);
    for (int k = 0; k < REPEATS; k++) {
        double t0 = now_ns();
        for (long i = 0; i < iters; i++) fn(i);
        r[k] = (now_ns() - t0) / (double)iters;
    }
    print_rounds(key, name, r);
}

static char keys[32][16], vals[32][24];

static void transport(csc_envelope_t *env, void *ud) {
    (void)ud;
    size_t n;
    csc_envelope_serialize(env, &n);
    g_bytes = n;
    csc_envelope_free(env);
}

static void add_crumb(csc_scope_t *s) {
    csc_kv_t data[2] = {CSC_KV_STR("url", "/checkout?step=2"), CSC_KV_INT64("status_code", 200)};
    csc_breadcrumb_t b = {.message = "Clicked checkout button",
                          .category = "ui.click",
                          .level = CSC_LEVEL_INFO,
                          .data = data,
                          .data_count = 2};
    csc_scope_add_breadcrumb(s, &b);
}

static void populate(csc_scope_t *s) {
    for (int i = 0; i < 10; i++) {
        char k[16], v[40];
        snprintf(k, sizeof k, "tag_%d", i);
        snprintf(v, sizeof v, "representative-tag-value-%d", i);
        csc_scope_set_tag(s, k, v);
    }
    for (int i = 0; i < 100; i++) add_crumb(s);
    csc_scope_set_user(s, json_pack("{s:s,s:s,s:s,s:s}", "id", "12345", "username", "jane.doe", "email",
                                    "jane.doe@example.com", "ip_address", "203.0.113.7"));
    csc_scope_set_context(s, "checkout", json_pack("{s:s,s:i,s:f}", "cart_id", "cart-8842", "items", 3, "total", 99.5));
    csc_scope_set_context(s, "feature_flags", json_pack("{s:b,s:b}", "new_ui", 1, "beta", 0));
}

static void op_set_tag_same(long i) {
    (void)i;
    csc_scope_set_tag(g_scope, "key_00", "value-00");
}
static void op_set_tag_cycle(long i) { csc_scope_set_tag(g_scope, keys[i & 31], vals[i & 31]); }
static void op_add_crumb(long i) {
    (void)i;
    add_crumb(g_scope);
}
static void op_fork(long i) {
    (void)i;
    csc_scope_release(csc_scope_fork(g_scope));
}
static void op_fork_write(long i) {
    (void)i;
    csc_scope_t *f = csc_scope_fork(g_scope);
    csc_scope_set_tag(f, "request", "1");
    csc_scope_release(f);
}
static void op_push_pop(long i) {
    (void)i;
    csc_scope_token_t t;
    csc_push_scope(&t);
    csc_pop_scope(&t);
}
static void op_push_pop_iso(long i) {
    (void)i;
    csc_scope_token_t t;
    csc_push_isolation_scope(&t);
    csc_pop_isolation_scope(&t);
}
static void op_prepare_cached(long i) {
    (void)i;
    size_t n;
    json_t *ev = csc_event_new_message("Something went wrong while processing order 12345", CSC_LEVEL_ERROR);
    char *s = csc_event_prepare_json(ev, NULL, &n);
    g_bytes = n;
    free(s);
    json_decref(ev);
}
static void op_prepare_new(long i) {
    /* all 100 breadcrumbs are new: refill the ring outside the measured part is impossible
     * in this loop, so the 100 adds are included; their cost is reported separately above */
    for (int k = 0; k < 100; k++) add_crumb(csc_isolation_scope());
    op_prepare_cached(i);
}
static void op_capture(long i) {
    (void)i;
    csc_capture_message("Something went wrong while processing order 12345", CSC_LEVEL_ERROR, NULL, NULL);
}
static csc_scope_t *g_request;
/* release health: the session bookkeeping of one request (start + end on its isolation scope) */
static void op_request_session(long i) {
    (void)i;
    csc_start_request_session(g_request);
    csc_end_request_session(g_request, CSC_SESSION_EXITED);
}
/* a cron check-in, handed to the (no-op) transport */
static void op_check_in(long i) {
    (void)i;
    char id[33] = "";
    csc_capture_check_in("nightly-backup", CSC_CHECK_IN_OK, 1.5, NULL, id);
}
static long rss_kb(void);
static void op_disabled_set_tag(long i) {
    (void)i;
    csc_is_enabled() && csc_scope_set_tag(g_scope, "k", "v");
}

/* ------------------------------------------------------------ tracing */

static csc_span_t *g_tx;
static const csc_header_t g_incoming[] = {
    {"sentry-trace", "4c79f60c11214eb38604f4ae0781bfb2-fa90fdead5f74052-1"},
    {"baggage", "sentry-trace_id=4c79f60c11214eb38604f4ae0781bfb2,sentry-public_key=public,sentry-release=web%401.2,"
                "sentry-environment=production,sentry-sample_rate=1.0,sentry-sample_rand=0.5,sentry-sampled=true,"
                "sentry-transaction=checkout"},
};

static csc_span_t *start_tx(int sampled) {
    csc_transaction_options_t to = CSC_TRANSACTION_OPTIONS_INIT;
    to.name = "GET /cart";
    to.op = "http.server";
    to.source = "route";
    to.sampled = sampled;
    return csc_transaction_start(&to);
}
static void op_span_child_finish(long i) {
    (void)i;
    csc_span_t *c = csc_span_start_child(g_tx, "db.query", "SELECT 1");
    csc_span_finish(c);
    csc_span_release(c);
}
static void op_continue_trace(long i) {
    (void)i;
    csc_continue_trace(g_incoming, 2, NULL);
}
static void op_trace_headers(long i) {
    (void)i;
    csc_trace_headers_t h;
    csc_trace_headers("https://api.example.com/x", NULL, &h);
    csc_trace_headers_clear(&h);
}
static void op_unsampled_tx_one_span(long i) {
    (void)i;
    csc_span_t *tx = start_tx(CSC_SAMPLED_NO);
    csc_span_t *c = csc_span_start_child(tx, "db.query", "SELECT 1");
    csc_span_finish(c);
    csc_span_release(c);
    csc_span_finish(tx);
    csc_span_release(tx);
}
static void op_tx_10_spans(long i) {
    (void)i;
    csc_span_t *tx = start_tx(CSC_SAMPLED_UNSET);
    for (int k = 0; k < 10; k++) {
        csc_span_t *c = csc_span_start_child(tx, "db.query", "SELECT * FROM carts WHERE id = ?");
        csc_span_set_data(c, "db.system", json_string("sqlite"));
        csc_span_finish(c);
        csc_span_release(c);
    }
    csc_span_finish(tx);
    csc_span_release(tx);
}

static void bench_tracing(void) {
    csc_options_t *o = csc_options_new();
    csc_options_set_dsn(o, "http://public@127.0.0.1:9/1");
    csc_options_set_release(o, "bench@1.0.0");
    csc_options_set_environment(o, "production");
    csc_options_set_transport(o, transport, NULL);
    csc_options_set_traces_sample_rate(o, 1.0);
    csc_init(o);
    g_tx = start_tx(CSC_SAMPLED_UNSET);
    csc_scope_bind_span(csc_current_scope(), g_tx);
    bench("span_child_finish_sampled", "tracing: start_child + finish (sampled transaction)", op_span_child_finish,
          1000000);
    bench("trace_headers_in_span", "tracing: outgoing headers (sentry-trace, baggage)", op_trace_headers, 1000000);
    csc_scope_bind_span(csc_current_scope(), NULL);
    csc_span_release(g_tx);
    bench("continue_trace_8_baggage_items", "tracing: continue sentry-trace + 8-item baggage", op_continue_trace,
          500000);
    bench("unsampled_tx_one_span", "tracing: unsampled transaction with one span", op_unsampled_tx_one_span, 500000);
    bench("tx_10_spans_serialized", "tracing: transaction, 10 spans, JSON on the caller", op_tx_10_spans, 20000);
    long before = rss_kb();
    for (int i = 0; i < 100000; i++) op_tx_10_spans(i);
    long after = rss_kb();
    if (g_json)
        printf("{\"op\":\"rss_100k_transactions_kb\",\"before\":%ld,\"after\":%ld}\n", before, after);
    else
        printf("%-52s %ld KB -> %ld KB\n", "peak RSS over 100,000 transactions (10 spans)", before, after);
    csc_close();
}

/* Sentry Logs: batches of 90 lines, the logs drained (untimed csc_flush) after each, so the
 * 1,000-line bound never drops one: the caller's steady cost. */
static void op_log_plain(long i) {
    (void)i;
    csc_log(CSC_LOG_INFO, "User signed in", NULL);
}
static void op_log_template(long i) {
    csc_log_record_t r = {.level = CSC_LOG_INFO,
                          .body = "User 42 paid 9.5",
                          .message_template = "User {0} paid {1}",
                          .parameters = json_pack("[i,f]", 42, 9.5),
                          .attributes = json_pack("{s:i}", "cart.items", (int)(i & 7))};
    csc_log_record(&r, NULL);
}

static void paced_logs(const char *key, const char *name, op_fn fn, long iters) {
    double r[REPEATS];
    long batches = iters / 90 > 0 ? iters / 90 : 1;
    for (int k = -1; k < REPEATS; k++) {
        double total = 0;
        for (long b = 0; b < batches; b++) {
            double t0 = now_ns();
            for (long i = 0; i < 90; i++) fn(i);
            total += now_ns() - t0;
            csc_flush(1000);
        }
        if (k >= 0) r[k] = total / (double)(batches * 90); /* k = -1 warms up */
    }
    print_rounds(key, name, r);
}

static void bench_logs(void) {
    csc_options_t *o = csc_options_new();
    csc_options_set_dsn(o, "http://public@127.0.0.1:9/1");
    csc_options_set_release(o, "bench@1.0.0");
    csc_options_set_environment(o, "production");
    csc_options_set_transport(o, transport, NULL);
    csc_options_set_enable_logs(o, true);
    csc_init(o);
    paced_logs("log_plain", "logs: csc_log, plain line", op_log_plain, 200000);
    paced_logs("log_template", "logs: csc_log_record, template + 2 params + 1 attribute", op_log_template, 200000);
    csc_close();
}

static long rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv) {
    g_json = argc > 1 && !strcmp(argv[1], "--json");
    for (int i = 0; i < 32; i++) {
        snprintf(keys[i], sizeof keys[i], "key_%02d", i);
        snprintf(vals[i], sizeof vals[i], "value-%02d", i);
    }
    csc_options_t *o = csc_options_new();
    csc_options_set_dsn(o, "http://public@127.0.0.1:9/1");
    csc_options_set_release(o, "bench@1.0.0");
    csc_options_set_environment(o, "production");
    csc_options_set_transport(o, transport, NULL);
    csc_init(o);

    if (!g_json) printf("%-52s %10s %10s %10s\n", "op", "min", "median", "max");
    g_scope = csc_isolation_scope();
    bench("set_tag_same_key", "set_tag, same key", op_set_tag_same, 5000000);
    bench("set_tag_cycle_32_keys", "set_tag, cycling 32 keys", op_set_tag_cycle, 5000000);
    bench("add_breadcrumb", "add_breadcrumb (msg, category, level, 2 data; ring full)", op_add_crumb, 2000000);
    csc_scope_clear(g_scope);
    populate(g_scope);
    bench("fork_populated", "fork of a populated scope (10 tags, 100 crumbs, user, 2 ctx)", op_fork, 2000000);
    bench("fork_then_write", "fork + set_tag on the fork (copies the tag table)", op_fork_write, 1000000);
    bench("push_pop_current", "push + pop of a current scope", op_push_pop, 2000000);
    bench("push_pop_isolation", "push + pop of an isolation scope", op_push_pop_iso, 2000000);
    bench("merge_json_cached_crumbs", "merge + event JSON, breadcrumbs seen before", op_prepare_cached, 20000);
    if (g_json)
        printf("{\"op\":\"event_bytes\",\"median\":%zu}\n", g_bytes);
    else
        printf("%-52s %10zu bytes\n", "event JSON size", g_bytes);
    bench("merge_json_new_crumbs_incl_100_adds", "100 x add_breadcrumb + merge + JSON (all crumbs new)", op_prepare_new,
          5000);
    bench("capture_e2e", "capture_message end to end (merge, JSON, envelope)", op_capture, 20000);

    g_request = csc_scope_fork(g_scope);
    bench("request_session", "request session start + end (release health)", op_request_session, 2000000);
    csc_scope_release(g_request);
    bench("check_in", "capture_check_in returns (no-op transport)", op_check_in, 200000);

    long before = rss_kb();
    for (int i = 0; i < 100000; i++) op_capture(i);
    long after = rss_kb();
    if (g_json)
        printf("{\"op\":\"rss_100k_captures_kb\",\"before\":%ld,\"after\":%ld}\n", before, after);
    else
        printf("%-52s %ld KB -> %ld KB\n", "peak RSS over 100,000 captures", before, after);

    csc_close();
    bench_tracing();
    bench_logs();
    bench("disabled_set_tag", "SDK disabled: guarded call", op_disabled_set_tag, 20000000);
    return 0;
}

/* e2e_driver: drives CScopeCore's public API for the end-to-end tests (the Python tests in Tests/EndToEndTests).
 *
 *   e2e_driver capture [--count N | --plan "N,sleep:MS,N,..."] [--run LABEL] [--attachment BYTES]
 *                      [--queue N] [--shutdown-ms MS] [--flush-ms MS] [--no-ids] [--no-reports] [--debug]
 *                      [--proxy URL] [--ca-certs PEM]
 *   e2e_driver rich    [--run LABEL] [--flush-ms MS]      (events with every field, for Bugsink)
 *
 * Environment: E2E_DSN (required), E2E_CACHE_DIR (optional cache directory).
 * Prints one JSON object on stdout: event ids, status counts, caller-side capture latency
 * (ns: p50/p99/max), flush result, csc_close duration (ms) and RSS (kB).
 */
#include <cscope.h>
#include <cscope/transport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long rss_kb(const char *field) { /* "VmRSS:" or "VmHWM:" */
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, strlen(field)) == 0) kb = strtol(line + strlen(field), NULL, 10);
    if (f) fclose(f);
    return kb;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct {
    const char *cmd, *run, *plan, *proxy, *ca_certs;
    long count, attachment, queue, shutdown_ms, flush_ms, tx_spans, logs;
    int ids, reports, debug;
} args_t;

static void parse_args(int argc, char **argv, args_t *a) {
    *a = (args_t){.cmd = argc > 1 ? argv[1] : "",
                  .run = "e2e",
                  .count = 1,
                  .queue = 100,
                  .shutdown_ms = 2000,
                  .flush_ms = 0,
                  .ids = 1,
                  .reports = 1};
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
        if (!strcmp(o, "--count")) {
            a->count = atol(v);
            i++;
        } else if (!strcmp(o, "--run")) {
            a->run = v;
            i++;
        } else if (!strcmp(o, "--plan")) {
            a->plan = v;
            i++;
        } else if (!strcmp(o, "--proxy")) {
            a->proxy = v;
            i++;
        } else if (!strcmp(o, "--ca-certs")) {
            a->ca_certs = v;
            i++;
        } else if (!strcmp(o, "--attachment")) {
            a->attachment = atol(v);
            i++;
        } else if (!strcmp(o, "--queue")) {
            a->queue = atol(v);
            i++;
        } else if (!strcmp(o, "--shutdown-ms")) {
            a->shutdown_ms = atol(v);
            i++;
        } else if (!strcmp(o, "--flush-ms")) {
            a->flush_ms = atol(v);
            i++;
        } else if (!strcmp(o, "--tx-spans")) {
            a->tx_spans = atol(v);
            i++;
        } else if (!strcmp(o, "--logs")) {
            a->logs = atol(v);
            i++;
        } else if (!strcmp(o, "--no-ids"))
            a->ids = 0;
        else if (!strcmp(o, "--no-reports"))
            a->reports = 0;
        else if (!strcmp(o, "--debug"))
            a->debug = 1;
        else {
            fprintf(stderr, "unknown option %s\n", o);
            exit(2);
        }
    }
}

static int init_sdk(const args_t *a) {
    const char *dsn = getenv("E2E_DSN"), *cache = getenv("E2E_CACHE_DIR");
    if (!dsn) {
        fprintf(stderr, "E2E_DSN not set\n");
        exit(2);
    }
    csc_options_t *o = csc_options_new();
    csc_options_set_dsn(o, dsn);
    csc_options_set_release(o, "e2e-app@1.0.0");
    csc_options_set_environment(o, "e2e");
    csc_options_set_server_name(o, "e2e-host");
    csc_options_set_debug(o, a->debug);
    if (cache && *cache) csc_options_set_cache_dir(o, cache);
    csc_options_set_max_queue_size(o, (size_t)a->queue);
    csc_options_set_shutdown_timeout(o, (uint32_t)a->shutdown_ms);
    csc_options_set_send_client_reports(o, a->reports);
    if (a->proxy) csc_options_set_http_proxy(o, a->proxy);
    if (a->ca_certs) csc_options_set_ca_certs(o, a->ca_certs);
    if (a->tx_spans > 0) csc_options_set_traces_sample_rate(o, 1.0);
    if (a->logs > 0) csc_options_set_enable_logs(o, true);
    return csc_init(o);
}

static int cmd_capture(const args_t *a) {
    long rss0 = rss_kb("VmRSS:");
    if (init_sdk(a) != CSC_OK) {
        fprintf(stderr, "csc_init failed\n");
        return 1;
    }
    csc_scope_t *extra = NULL;
    if (a->attachment > 0) {
        extra = csc_scope_new();
        char *blob = malloc((size_t)a->attachment);
        memset(blob, 'a', (size_t)a->attachment);
        csc_scope_add_attachment_bytes(extra, blob, (size_t)a->attachment, "blob.txt", "text/plain");
        free(blob);
    }
    csc_scope_set_tag(csc_global_scope(), "run", a->run);
    int64_t *lat = malloc(sizeof *lat * (size_t)(a->count ? a->count : 1));
    long ok = 0, dropped = 0, other = 0;
    if (a->ids) printf("{\"ids\": [");
    const char *plan = a->plan;
    long step_left = a->plan ? 0 : a->count;
    int64_t t_start = now_ns();
    for (long i = 0; i < a->count; i++) {
        while (step_left == 0 && plan && *plan) { /* next plan step: a count, or sleep:MS */
            if (strncmp(plan, "sleep:", 6) == 0) {
                long ms = atol(plan + 6);
                struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
                nanosleep(&ts, NULL);
            } else {
                step_left = atol(plan);
            }
            plan = strchr(plan, ',') ? strchr(plan, ',') + 1 : plan + strlen(plan);
        }
        step_left--;
        char msg[96], id[33] = "";
        snprintf(msg, sizeof msg, "e2e %s %ld", a->run, i);
        csc_scopes_t scopes = {csc_global_scope(), csc_isolation_scope(), csc_current_scope(), extra};
        int64_t t0 = now_ns();
        int rc = csc_capture_message(msg, CSC_LEVEL_WARNING, &scopes, id);
        lat[i] = now_ns() - t0;
        if (rc == CSC_OK)
            ok++;
        else if (rc == CSC_ERR_DROPPED)
            dropped++;
        else
            other++;
        if (a->ids && rc == CSC_OK) printf("%s\"%s\"", ok > 1 ? ", " : "", id);
        for (long k = 0; k < a->logs; k++) { /* --logs K: also K Sentry Log lines per capture */
            char line[96];
            snprintf(line, sizeof line, "e2e log %ld.%ld", i, k);
            csc_log(CSC_LOG_INFO, line, json_pack("{s:i,s:s}", "capture", (int)i, "run", a->run));
        }
        if (a->tx_spans > 0) { /* --tx-spans K: also a transaction of K child spans per capture */
            csc_transaction_options_t to = CSC_TRANSACTION_OPTIONS_INIT;
            to.name = "e2e-job";
            to.op = "task";
            csc_span_t *tx = csc_transaction_start(&to);
            for (long k = 0; k < a->tx_spans; k++) {
                csc_span_t *c = csc_span_start_child(tx, "step", NULL);
                csc_span_finish(c);
                csc_span_release(c);
            }
            csc_span_finish_ex(tx, &scopes, 0, NULL);
            csc_span_release(tx);
        }
    }
    if (!a->ids)
        printf("{\"ids\": null");
    else
        printf("]");
    long rss_after_captures = rss_kb("VmRSS:");
    int flush_rc = a->flush_ms ? csc_flush((uint32_t)a->flush_ms) : 0;
    double flushed_ms = (double)(now_ns() - t_start) / 1e6; /* first capture -> flush returned */
    int64_t c0 = now_ns();
    csc_close();
    double close_ms = (double)(now_ns() - c0) / 1e6;
    qsort(lat, (size_t)a->count, sizeof *lat, cmp_i64);
    long n = a->count;
    printf(", \"ok\": %ld, \"dropped\": %ld, \"other\": %ld, \"lat_ns\": {\"p50\": %lld, \"p99\": %lld, \"max\": %lld}"
           ", \"flush_rc\": %d, \"flushed_ms\": %.1f, \"close_ms\": %.1f, \"rss_kb\": {\"start\": %ld, "
           "\"after_captures\": %ld, \"peak\": %ld}}\n",
           ok, dropped, other, n ? (long long)lat[n / 2] : 0, n ? (long long)lat[(n * 99) / 100] : 0,
           n ? (long long)lat[n - 1] : 0, flush_rc, flushed_ms, close_ms, rss0, rss_after_captures, rss_kb("VmHWM:"));
    free(lat);
    if (extra) csc_scope_release(extra);
    return 0;
}

/* Three events whose every field Tests/EndToEndTests/bugsink_check.py compares with what Bugsink stored. */
static int cmd_rich(const args_t *a) {
    if (init_sdk(a) != CSC_OK) {
        fprintf(stderr, "csc_init failed\n");
        return 1;
    }
    csc_scope_t *iso = csc_isolation_scope();
    csc_scope_set_tag(iso, "run", a->run);
    csc_scope_set_tag(iso, "feature", "checkout");
    csc_scope_set_tag(iso, "unicode", "h\xc3\xa9llo \xe2\x9c\x93");
    csc_scope_set_user(iso,
                       json_pack("{s:s, s:s, s:s}", "id", "u-42", "email", "jane@example.org", "username", "jane"));
    csc_scope_set_context(iso, "device_info",
                          json_pack("{s:s, s:f, s:b}", "model", "rack-7", "load", 0.5, "virtual", 1));
    csc_scope_set_extra(iso, "answer", json_integer(42));
    csc_breadcrumb_t crumb1 = {
        .type = "default", .category = "ui.click", .message = "pressed buy", .level = CSC_LEVEL_INFO};
    csc_scope_add_breadcrumb(iso, &crumb1);
    json_t *data = json_pack("{s:s, s:i}", "url", "/api/cart", "status_code", 200);
    csc_breadcrumb_t crumb2 = {.type = "http", .category = "http", .level = CSC_LEVEL_NONE, .data_json = data};
    csc_scope_add_breadcrumb(iso, &crumb2);
    json_decref(data);

    char msg_id[33] = "", exc_id[33] = "";
    int rc1 = csc_capture_message("rich message \xe2\x9c\x93", CSC_LEVEL_WARNING, NULL, msg_id);
    csc_frame_t frames[2] = {
        {.function = "main", .filename = "main.c", .lineno = 10, .in_app = 1},
        {.function = "checkout", .module = "shop", .filename = "shop.c", .lineno = 99, .colno = 7, .in_app = 1},
    };
    csc_exception_t exc = {.type = "ValueError",
                           .value = "bad cart",
                           .module = "shop",
                           .mechanism_type = "generic",
                           .handled = 1,
                           .frames = frames,
                           .frame_count = 2};
    int rc2 = csc_capture_exception(&exc, NULL, exc_id);
    int flush_rc = csc_flush((uint32_t)(a->flush_ms ? a->flush_ms : 10000));
    csc_close();
    printf("{\"message\": \"%s\", \"exception\": \"%s\", \"rc\": [%d, %d], \"flush_rc\": %d}\n", msg_id, exc_id, rc1,
           rc2, flush_rc);
    return rc1 || rc2 || flush_rc;
}

int main(int argc, char **argv) {
    args_t a;
    parse_args(argc, argv, &a);
    if (a.plan) { /* total count of a plan like "1,sleep:300,3" */
        a.count = 0;
        for (const char *p = a.plan; *p;) {
            if (strncmp(p, "sleep:", 6) != 0) a.count += atol(p);
            p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p);
        }
    }
    if (!strcmp(a.cmd, "capture")) return cmd_capture(&a);
    if (!strcmp(a.cmd, "rich")) return cmd_rich(&a);
    fprintf(stderr, "usage: e2e_driver capture|rich [options] (see the source)\n");
    return 2;
}

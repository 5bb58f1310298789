/* Trace propagation (tracing/propagation.c, dsc.c): `sentry-trace`, `baggage` and `traceparent`
 * headers of any bytes (several values, odd case, invalid UTF-8, huge baggage), continued on
 * fresh scopes, then a transaction started from them and the outgoing headers read back. The
 * outgoing `sentry-trace` is always `<32 hex>-<16 hex>[-0|1]`, `traceparent` `00-<32>-<16>-0x`,
 * the baggage printable ASCII (spaces and tabs allowed) within 8,192 bytes, and the transaction sent
 * reads back (fuzz_transport). */
#include "fuzz_common.h"
#include "fuzz_reader.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_transport(o, fuzz_transport, NULL);
    (void)csc_options_set_dsn(o, "https://public@o1.ingest.example.com/2");
    (void)csc_options_set_traces_sample_rate(o, 1.0);
    (void)csc_options_set_propagate_traceparent(o, true);
    if (csc_init(o) != CSC_OK) abort();
    return 0;
}

static bool hex(const char *s, size_t n) { return strspn(s, "0123456789abcdef") >= n; }

static void check_out(const csc_trace_headers_t *h) {
    size_t n = strlen(h->sentry_trace);
    if (n) {
        FUZZ_CHECK(n == 49 || n == 51);
        FUZZ_CHECK(hex(h->sentry_trace, 32) && h->sentry_trace[32] == '-' && hex(h->sentry_trace + 33, 16));
        if (n == 51)
            FUZZ_CHECK(h->sentry_trace[49] == '-' && (h->sentry_trace[50] == '0' || h->sentry_trace[50] == '1'));
    }
    n = strlen(h->traceparent);
    if (n) {
        FUZZ_CHECK(n == 55 && !strncmp(h->traceparent, "00-", 3) && hex(h->traceparent + 3, 32));
        FUZZ_CHECK(h->traceparent[35] == '-' && hex(h->traceparent + 36, 16) && h->traceparent[52] == '-');
    }
    if (h->baggage) {
        size_t bl = strlen(h->baggage);
        FUZZ_CHECK(bl <= 8192);
        for (size_t i = 0; i < bl; i++) {
            unsigned char c = (unsigned char)h->baggage[i];
            FUZZ_CHECK((c >= 0x20 && c < 0x7f) || c == '\t');
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const names[] = {"sentry-trace", "baggage", "traceparent", "SENTRY-TRACE", "Baggage", "x-other"};
    fz_t r = {data, size};
    csc_header_t hs[8];
    char *vals[8] = {0};
    size_t n = fz_u8(&r) % 9;
    for (size_t i = 0; i < n; i++) {
        hs[i].name = names[fz_u8(&r) % 6];
        hs[i].value = vals[i] = fz_cstr(&r);
    }
    csc_scopes_t sc = {.global = csc_global_scope(), .isolation = csc_scope_new(), .current = csc_scope_new()};
    int rc = csc_continue_trace(hs, n, &sc);
    FUZZ_CHECK(rc == CSC_OK || rc == CSC_ERR_PARSE);
    char *existing = (r.n && (fz_u8(&r) & 1)) ? fz_cstr(&r) : NULL;
    csc_trace_headers_t out = {0};
    (void)csc_trace_headers_ex(&sc, "https://api.example.org/x", existing, &out);
    check_out(&out);
    csc_trace_headers_clear(&out);

    csc_transaction_options_t to = CSC_TRANSACTION_OPTIONS_INIT;
    to.name = "fuzz";
    to.op = "http.server";
    to.headers = hs;
    to.header_count = n;
    to.scopes = &sc;
    csc_span_t *tx = csc_transaction_start(&to);
    FUZZ_CHECK(tx != NULL);
    csc_scope_bind_span(sc.current, tx);
    (void)csc_trace_headers_ex(&sc, "https://api.example.org/x", existing, &out);
    check_out(&out);
    csc_trace_headers_clear(&out);
    csc_scope_bind_span(sc.current, NULL);
    csc_span_finish_ex(tx, &sc, 0, NULL);
    csc_span_release(tx);
    csc_scope_release(sc.current);
    csc_scope_release(sc.isolation);
    free(existing);
    for (size_t i = 0; i < n; i++) free(vals[i]);
    return 0;
}

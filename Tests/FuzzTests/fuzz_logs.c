/* Sentry Logs (logs/): csc_log_record with any body (invalid UTF-8, huge), template, parameters
 * and attributes of any JSON (strings from jansson's unchecked constructors, deep and wide
 * values, pre-typed objects that lie about their type, huge keys). Every `log` payload the logs
 * thread hands the transport reads back and follows the logs protocol: each item's body valid
 * UTF-8 within the body limit, a 32-hex trace_id, and every attribute {"value": v, "type": t}
 * with v of type t. */
#include "fuzz_common.h"
#include "fuzz_reader.h"

static const char *attr_type_of(const json_t *v) {
    switch (json_typeof(v)) {
        case JSON_STRING: return "string";
        case JSON_INTEGER: return "integer";
        case JSON_REAL: return "double";
        case JSON_TRUE:
        case JSON_FALSE: return "boolean";
        case JSON_ARRAY: return "array";
        default: return NULL;
    }
}

static void check_item(json_t *it) {
    FUZZ_CHECK(json_is_object(it));
    const char *body = json_string_value(json_object_get(it, "body"));
    FUZZ_CHECK(body && fuzz_utf8_chars(body, strlen(body)) <= 8192);
    const char *trace = json_string_value(json_object_get(it, "trace_id"));
    FUZZ_CHECK(trace && strlen(trace) == 32 && strspn(trace, "0123456789abcdef") == 32);
    FUZZ_CHECK(json_is_number(json_object_get(it, "timestamp")));
    const char *k;
    json_t *a;
    json_object_foreach(json_object_get(it, "attributes"), k, a) {
        FUZZ_CHECK(*k);
        FUZZ_CHECK(json_is_object(a) && json_object_size(a) == 2);
        const char *t = json_string_value(json_object_get(a, "type"));
        json_t *v = json_object_get(a, "value");
        FUZZ_CHECK(t && v);
        const char *actual = attr_type_of(v);
        FUZZ_CHECK(actual && !strcmp(actual, t));
        if (json_is_array(v)) {
            size_t i;
            json_t *x;
            const char *first = json_array_size(v) ? attr_type_of(json_array_get(v, 0)) : NULL;
            json_array_foreach(v, i, x) FUZZ_CHECK(first && !strcmp(attr_type_of(x), first) && !json_is_array(x));
        }
    }
}

static void logs_transport(csc_envelope_t *env, void *ud) {
    (void)ud;
    fuzz_check_envelope(env);
    for (size_t i = 0; i < csc_envelope_item_count(env); i++) {
        if (strcmp(csc_envelope_item_type(env, i), "log")) continue;
        size_t len = 0;
        const char *p = csc_envelope_item_payload(env, i, &len);
        json_t *payload = fuzz_check_json(p, len);
        json_t *items = json_object_get(payload, "items");
        FUZZ_CHECK(json_array_size(items) >= 1 && json_array_size(items) <= 100);
        size_t k;
        json_t *it;
        json_array_foreach(items, k, it) check_item(it);
        json_decref(payload);
    }
    csc_envelope_free(env);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_transport(o, logs_transport, NULL);
    (void)csc_options_set_enable_logs(o, true);
    (void)csc_options_set_send_default_pii(o, true);
    if (csc_init(o) != CSC_OK) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_t r = {data, size};
    static const csc_log_level_t levels[] = {CSC_LOG_TRACE, CSC_LOG_DEBUG, CSC_LOG_INFO,
                                             CSC_LOG_WARN,  CSC_LOG_ERROR, CSC_LOG_FATAL};
    for (int n = 0; r.n && n < 8; n++) {
        uint8_t op = fz_u8(&r);
        char *body = (op & 1) ? fz_repeat(fz_u8(&r), (size_t)fz_u8(&r) * 64 + 1) : fz_cstr(&r);
        char *tmpl = (op & 2) ? fz_cstr(&r) : NULL;
        char *logger = (op & 4) ? fz_cstr(&r) : NULL;
        csc_log_record_t rec = {.level = (op & 0x80) ? (csc_log_level_t)fz_u8(&r) : levels[fz_u8(&r) % 6],
                                .body = body,
                                .message_template = tmpl,
                                .parameters = (op & 8) ? fz_json(&r) : NULL,
                                .attributes = (op & 16) ? ((op & 32) ? fz_wide(&r, fz_u8(&r)) : fz_json(&r)) : NULL,
                                .logger_name = logger,
                                .code_line = (int)fz_u8(&r) - 8};
        if (op & 64) csc_scope_set_user(csc_isolation_scope(), fz_json(&r));
        int rc = csc_log_record(&rec, NULL);
        FUZZ_CHECK(rc == CSC_OK || rc == CSC_ERR_INVALID || rc == CSC_ERR_DROPPED);
        free(body);
        free(tmpl);
        free(logger);
    }
    csc_flush(1000); /* the logs go out on this thread: the transport checks them */
    return 0;
}

/* Breadcrumb data (scope/breadcrumb.c): csc_breadcrumb_t fields and key/value data of every
 * type (strings with explicit lengths holding NUL and invalid UTF-8, json values from jansson's
 * unchecked constructors, huge keys, many entries), and csc_scope_add_breadcrumb_json with any
 * JSON. The event's breadcrumbs read back with jansson and keep to max_breadcrumbs, the databag
 * breadth and max_value_length (set here: every string value but timestamps within MAX_VALUE). */
#include "fuzz_common.h"
#include "fuzz_reader.h"

#define MAX_CRUMBS 16
#define MAX_VALUE  100

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_transport(o, fuzz_transport, NULL);
    (void)csc_options_set_max_breadcrumbs(o, MAX_CRUMBS);
    (void)csc_options_set_max_value_length(o, MAX_VALUE);
    if (csc_init(o) != CSC_OK) abort();
    return 0;
}

#define MAX_KV 24

static void check_values(json_t *v, const char *key) {
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_string(v) && strcmp(key, "timestamp")) FUZZ_CHECK(json_string_length(v) <= MAX_VALUE);
    if (json_is_object(v)) json_object_foreach(v, k, x) check_values(x, k);
    if (json_is_array(v)) json_array_foreach(v, i, x) check_values(x, "");
}

static void add_one(csc_scope_t *s, fz_t *r) {
    uint8_t op = fz_u8(r);
    int rc;
    if (op & 1) {
        json_t *c = fz_json(r);
        rc = csc_scope_add_breadcrumb_json(s, c);
        json_decref(c);
    } else {
        char *strs[3 + MAX_KV] = {0};
        json_t *jsons[MAX_KV] = {0};
        int ns = 0;
        csc_breadcrumb_t bc = {.level = (csc_level_t)((int)(fz_u8(r) % 8) - 1)};
        if (op & 2) bc.type = strs[ns++] = fz_cstr(r);
        if (op & 4) bc.category = strs[ns++] = fz_cstr(r);
        if (op & 8) bc.message = strs[ns++] = fz_cstr(r);
        bc.timestamp_us = (op & 16) ? (int64_t)fz_u8(r) << 40 : 0;
        csc_kv_t kv[MAX_KV];
        size_t n = fz_u8(r) % (MAX_KV + 1);
        for (size_t i = 0; i < n; i++) {
            uint8_t t = fz_u8(r);
            memset(&kv[i], 0, sizeof kv[i]);
            if (t & 8) {
                kv[i].key = strs[ns++] = fz_repeat(t, (size_t)fz_u8(r) * 16 + 1);
            } else {
                kv[i].key_len = fz_bytes(r, &kv[i].key);
                if (!kv[i].key_len) kv[i].key = "";
            }
            switch ((t >> 4) % 6) {
                case 0:
                    kv[i].type = CSC_KV_STRING;
                    kv[i].s_len = fz_bytes(r, &kv[i].v.s);
                    if (!kv[i].s_len) kv[i].v.s = ""; /* s_len 0 means NUL-terminated (csc_kv_t) */
                    break;
                case 1:
                    kv[i].type = CSC_KV_INT;
                    kv[i].v.i = (int64_t)fz_u8(r) << (fz_u8(r) % 56);
                    break;
                case 2: {
                    kv[i].type = CSC_KV_DOUBLE;
                    uint64_t b = 0;
                    for (int k = 0; k < 8; k++) b = b << 8 | fz_u8(r);
                    memcpy(&kv[i].v.d, &b, 8);
                    break;
                }
                case 3:
                    kv[i].type = CSC_KV_BOOL;
                    kv[i].v.b = fz_u8(r) & 1;
                    break;
                case 4: kv[i].type = CSC_KV_NULL; break;
                default:
                    kv[i].type = CSC_KV_JSON;
                    kv[i].v.json = jsons[i] = (t & 4) ? fz_deep(r, fz_u8(r) % 12) : fz_json(r);
                    break;
            }
        }
        bc.data = n ? kv : NULL;
        bc.data_count = n;
        if (op & 32) {
            bc.data_json = fz_json(r);
            if (!json_is_object(bc.data_json)) {
                json_decref(bc.data_json);
                bc.data_json = NULL;
            }
        }
        rc = csc_scope_add_breadcrumb(s, &bc);
        json_decref(bc.data_json);
        for (size_t i = 0; i < n; i++) json_decref(jsons[i]);
        for (int i = 0; i < ns; i++) free(strs[i]);
    }
    FUZZ_CHECK(rc != CSC_ERR_NOMEM);
    FUZZ_CHECK(csc_scope_breadcrumb_count(s) <= MAX_CRUMBS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_t r = {data, size};
    csc_scope_t *s = csc_scope_new();
    for (int i = 0; r.n && i < 40; i++) add_one(s, &r);
    csc_scopes_t sc = {.current = s};
    json_t *ev = json_object();
    size_t len = 0;
    char *out = csc_event_prepare_json(ev, &sc, &len);
    FUZZ_CHECK(out != NULL);
    json_t *back = fuzz_check_json(out, len);
    fuzz_check_event_limits(back, MAX_CRUMBS);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(back, "breadcrumbs"), "values"), i, c) {
        json_t *d = json_object_get(c, "data");
        FUZZ_CHECK(d == NULL || json_is_object(d));
        if (d) FUZZ_CHECK(json_object_size(d) <= CSC_MAX_DATABAG_BREADTH);
        check_values(c, "");
    }
    json_decref(back);
    free(out);
    json_decref(ev);
    FUZZ_CHECK(csc_capture_message("fuzz", CSC_LEVEL_INFO, &sc, NULL) == CSC_OK);
    csc_scope_release(s);
    return 0;
}

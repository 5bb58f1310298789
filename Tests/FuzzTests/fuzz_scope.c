/* Scope values from C (scope/scope.c, support/map.c, client/merge.c): strings with invalid
 * UTF-8 and NUL through every setter (the _n ones included), JSON from jansson's unchecked
 * constructors, deep and wide JSON, huge keys. Then a capture: csc_event_prepare_json and
 * csc_capture_message through a transport. The output always reads back with jansson (strict
 * UTF-8, no NUL), and stays within Sentry's limits (tag lengths, databag breadth, breadcrumbs). */
#include "fuzz_common.h"
#include "fuzz_reader.h"

#define MAX_CRUMBS 20

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_transport(o, fuzz_transport, NULL);
    (void)csc_options_set_release(o, "fuzz@1");
    (void)csc_options_set_max_breadcrumbs(o, MAX_CRUMBS);
    if (csc_init(o) != CSC_OK) abort();
    return 0;
}

static void apply(csc_scope_t *s, fz_t *r) {
    uint8_t op = fz_u8(r);
    const char *k, *v;
    size_t kl, vl;
    char *kz = NULL, *vz = NULL;
    int rc = 0;
    switch (op % 14) {
        case 0:
            kl = fz_bytes(r, &k);
            vl = fz_bytes(r, &v);
            rc = csc_scope_set_tag_n(s, k, kl, v, vl);
            break;
        case 1:
            kz = fz_cstr(r);
            vz = fz_cstr(r);
            rc = csc_scope_set_tag(s, kz, vz);
            break;
        case 2:
            kz = fz_cstr(r);
            rc = csc_scope_set_tag_json(s, kz, fz_json(r));
            break;
        case 3:
            kz = fz_cstr(r);
            rc = csc_scope_set_extra(s, kz, fz_json(r));
            break;
        case 4:
            kz = fz_cstr(r);
            rc = csc_scope_set_context(s, kz, json_pack("{s:o}", "v", fz_json(r)));
            break;
        case 5:
            kz = fz_cstr(r);
            rc = csc_scope_set_extra(s, kz, fz_deep(r, fz_u8(r) % 40));
            break;
        case 6:
            kz = fz_cstr(r);
            rc = csc_scope_set_context(s, kz, fz_wide(r, (size_t)fz_u8(r) * 4));
            break;
        case 7: { /* huge keys and values */
            size_t n = ((size_t)fz_u8(r) + 1) * 257;
            uint8_t b = fz_u8(r);
            kz = fz_repeat(b, n);
            vz = fz_repeat(fz_u8(r), n);
            rc = (op & 16) ? csc_scope_set_tag(s, kz, vz) : csc_scope_set_extra(s, kz, json_string_nocheck(vz));
            break;
        }
        case 8: {
            json_t *u = json_object();
            json_object_set_new(u, "id", fz_json(r));
            json_object_set_new(u, "ip_address", fz_json(r));
            kz = fz_cstr(r);
            json_object_set_new_nocheck(u, kz, fz_json(r));
            rc = csc_scope_set_user(s, u);
            break;
        }
        case 9:
            kz = fz_cstr(r);
            rc = (op & 16)   ? csc_scope_remove_tag(s, kz)
                 : (op & 32) ? csc_scope_remove_extra(s, kz)
                             : csc_scope_remove_context(s, kz);
            break;
        case 10:
            kz = fz_cstr(r);
            vz = fz_cstr(r);
            rc = csc_scope_set_transaction(s, kz, vz);
            break;
        case 11: {
            kz = fz_cstr(r);
            vz = fz_cstr(r);
            const char *parts[2] = {kz, vz};
            rc = csc_scope_set_fingerprint(s, parts, op & 16 ? 2 : 1);
            break;
        }
        case 12: rc = csc_scope_set_level(s, (csc_level_t)((int)(fz_u8(r) % 8) - 1)); break;
        case 13: {
            csc_breadcrumb_t bc = {.level = CSC_LEVEL_NONE};
            kz = fz_cstr(r);
            vz = fz_cstr(r);
            bc.message = kz;
            bc.category = vz;
            bc.data_json = fz_json(r);
            if (!json_is_object(bc.data_json)) {
                json_decref(bc.data_json);
                bc.data_json = NULL;
            }
            rc = csc_scope_add_breadcrumb(s, &bc);
            json_decref(bc.data_json);
            break;
        }
    }
    /* never NOMEM for bad data: only OK, a remark, or a documented refusal */
    FUZZ_CHECK(rc != CSC_ERR_NOMEM);
    FUZZ_CHECK(rc >= CSC_ERR_TIMEOUT && rc <= CSC_TRUNCATED_AND_REPAIRED);
    free(kz);
    free(vz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_t r = {data, size};
    csc_scope_t *s = csc_scope_new();
    csc_scope_t *fork = NULL;
    for (int i = 0; r.n && i < 64; i++) {
        apply(s, &r);
        if (i == 3 && !fork) fork = csc_scope_fork(s); /* copy-on-write maps shared with a fork */
    }
    csc_scopes_t sc = {.current = s, .extra = fork};
    json_t *ev = json_object();
    json_object_set_new(ev, "message", json_stringn_nocheck((const char *)data, size < 64 ? size : 64));
    size_t len = 0;
    char *out = csc_event_prepare_json(ev, &sc, &len);
    FUZZ_CHECK(out != NULL); /* bad data is repaired, never a reason to fail */
    json_t *back = fuzz_check_json(out, len);
    fuzz_check_event_limits(back, 2 * MAX_CRUMBS);
    json_decref(back);
    free(out);
    json_decref(ev);
    /* the real pipeline: the transport checks the envelope */
    FUZZ_CHECK(csc_capture_message("fuzz", CSC_LEVEL_ERROR, &sc, NULL) == CSC_OK);
    csc_scope_release(fork);
    csc_scope_release(s);
    return 0;
}

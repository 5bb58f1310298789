/* Serialized envelopes (event/envelope_parse.c), as read back from the disk cache. A parsed
 * envelope serializes into headers jansson reads back, and that parses again to the same items
 * (payloads are opaque bytes here). Truncated copies are parsed too. */
#include "fuzz_common.h"
#include "event/envelope_internal.h"

static void roundtrip(const char *data, size_t size) {
    csc_envelope_t *env = csc__envelope_parse(data, size);
    if (!env) return;
    size_t len = 0;
    const char *out = fuzz_serialize_checked(env, &len);
    csc_envelope_t *again = csc__envelope_parse(out, len);
    FUZZ_CHECK(again != NULL);
    FUZZ_CHECK(csc_envelope_item_count(again) == csc_envelope_item_count(env));
    FUZZ_CHECK(!strcmp(csc_envelope_event_id(again), csc_envelope_event_id(env)));
    for (size_t i = 0; i < csc_envelope_item_count(env); i++) {
        size_t a = 0, b = 0;
        const char *pa = csc_envelope_item_payload(env, i, &a), *pb = csc_envelope_item_payload(again, i, &b);
        FUZZ_CHECK(a == b && (a == 0 || !memcmp(pa, pb, a)));
        FUZZ_CHECK(!strcmp(csc_envelope_item_type(env, i), csc_envelope_item_type(again, i)));
    }
    json_t *ev = csc_envelope_get_event(env);
    FUZZ_CHECK(ev == NULL || json_is_object(ev) || !json_is_object(ev)); /* any value; must not crash */
    json_decref(ev);
    csc_envelope_free(again);
    csc_envelope_free(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a private copy: the parser must not read past `size` (ASan sees the heap bound) */
    char *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    roundtrip(buf, size);
    if (size > 1) {
        roundtrip(buf, size - 1);
        roundtrip(buf, size / 2);
    } /* truncated files */
    free(buf);
    return 0;
}

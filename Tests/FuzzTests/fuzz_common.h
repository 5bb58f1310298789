/* Shared invariant checks of the libFuzzer harnesses (Tests/FuzzTests, see scripts/fuzz.sh).
 * A failed check aborts: libFuzzer reports it as a crash and saves the input. */
#ifndef CSC_FUZZ_COMMON_H
#define CSC_FUZZ_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cscope.h"

#define FUZZ_CHECK(cond)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);                         \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

/* Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
static inline bool fuzz_utf8_valid(const char *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            k = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            k = 3;
        else if (c >= 0xF0 && c <= 0xF4)
            k = 4;
        else
            return false;
        if (i + k > n) return false;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return false;
        if (c == 0xE0 && s[i + 1] < 0xA0) return false;
        if (c == 0xED && s[i + 1] >= 0xA0) return false;
        if (c == 0xF0 && s[i + 1] < 0x90) return false;
        if (c == 0xF4 && s[i + 1] >= 0x90) return false;
        i += k;
    }
    return true;
}

/* JSON the SDK wrote: valid UTF-8, no escaped NUL, and jansson reads it back (as the disk
 * cache and the crash reader do). Returns the parsed value (caller releases). */
static inline json_t *fuzz_check_json(const char *p, size_t n) {
    FUZZ_CHECK(p != NULL);
    FUZZ_CHECK(fuzz_utf8_valid(p, n));
    json_error_t err;
    json_t *v = json_loadb(p, n, 0, &err);
    if (!v) {
        size_t at = (size_t)err.position, from = at > 120 ? at - 120 : 0;
        fprintf(stderr, "jansson: %s at %d in: %.*s\n", err.text, err.position,
                (int)((at + 40 < n ? at + 40 : n) - from), p + from);
    }
    FUZZ_CHECK(v != NULL);
    return v;
}

/* A serialized envelope: every header line and every JSON payload reads back. */
static inline void fuzz_check_envelope_bytes(const char *p, size_t len) {
    const char *end = p + len, *nl = memchr(p, '\n', len);
    json_decref(fuzz_check_json(p, nl ? (size_t)(nl - p) : len));
    if (!nl) return;
    p = nl + 1;
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        json_t *ih = fuzz_check_json(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
        FUZZ_CHECK(nl != NULL);
        json_t *jl = json_object_get(ih, "length");
        const char *type = json_string_value(json_object_get(ih, "type"));
        FUZZ_CHECK(type != NULL);
        bool is_json = !strcmp(type, "event") || !strcmp(type, "client_report") || !strcmp(type, "transaction");
        p = nl + 1;
        size_t n;
        if (json_is_integer(jl))
            n = (size_t)json_integer_value(jl);
        else {
            const char *e = memchr(p, '\n', (size_t)(end - p));
            n = e ? (size_t)(e - p) : (size_t)(end - p);
        }
        json_decref(ih);
        FUZZ_CHECK(n <= (size_t)(end - p));
        if (is_json) json_decref(fuzz_check_json(p, n));
        p += n;
        if (p < end && *p == '\n') p++;
    }
}

/* Serializes env; its envelope header line must read back. Returns the bytes (env owns them). */
static inline const char *fuzz_serialize_checked(csc_envelope_t *env, size_t *len) {
    const char *out = csc_envelope_serialize(env, len);
    FUZZ_CHECK(out != NULL);
    const char *nl = memchr(out, '\n', *len);
    FUZZ_CHECK(nl != NULL);
    json_decref(fuzz_check_json(out, (size_t)(nl - out)));
    return out;
}

static inline void fuzz_check_envelope(csc_envelope_t *env) {
    size_t len = 0;
    const char *p = csc_envelope_serialize(env, &len);
    FUZZ_CHECK(p != NULL);
    fuzz_check_envelope_bytes(p, len);
}

/* Sentry's limits on what the SDK writes into an event. */
static inline size_t fuzz_utf8_chars(const char *s, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static inline void fuzz_check_event_limits(json_t *ev, size_t max_crumbs) {
    FUZZ_CHECK(json_is_object(ev));
    const char *k;
    json_t *v;
    json_t *tags = json_object_get(ev, "tags");
    json_object_foreach(tags, k, v) {
        FUZZ_CHECK(fuzz_utf8_chars(k, strlen(k)) <= CSC_MAX_TAG_KEY_LEN);
        if (json_is_string(v))
            FUZZ_CHECK(fuzz_utf8_chars(json_string_value(v), json_string_length(v)) <= CSC_MAX_TAG_VALUE_LEN);
    }
    json_t *extra = json_object_get(ev, "extra");
    json_object_foreach(extra, k, v) {
        if (json_is_object(v)) FUZZ_CHECK(json_object_size(v) <= CSC_MAX_DATABAG_BREADTH);
        if (json_is_array(v)) FUZZ_CHECK(json_array_size(v) <= CSC_MAX_DATABAG_BREADTH);
    }
    json_t *crumbs = json_object_get(json_object_get(ev, "breadcrumbs"), "values");
    FUZZ_CHECK(json_array_size(crumbs) <= max_crumbs);
}

/* A capturing transport: checks each envelope, then frees it. */
static inline void fuzz_transport(csc_envelope_t *env, void *ud) {
    (void)ud;
    fuzz_check_envelope(env);
    csc_envelope_free(env);
}

#endif

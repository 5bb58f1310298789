/* A byte reader that turns a fuzz input into a sequence of operations and strings. */
#ifndef CSC_FUZZ_READER_H
#define CSC_FUZZ_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

typedef struct {
    const uint8_t *p;
    size_t n;
} fz_t;

static inline uint8_t fz_u8(fz_t *r) {
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

/* Raw bytes (may hold NUL and invalid UTF-8): a length byte (255 = two more bytes), then the bytes. */
static inline size_t fz_bytes(fz_t *r, const char **s) {
    size_t l = fz_u8(r);
    if (l == 255) l = (size_t)fz_u8(r) << 8 | fz_u8(r);
    if (l > r->n) l = r->n;
    *s = (const char *)r->p;
    r->p += l;
    r->n -= l;
    return l;
}

/* The same as a NUL-terminated copy (cut at the first NUL); caller frees. */
static inline char *fz_cstr(fz_t *r) {
    const char *s;
    size_t l = fz_bytes(r, &s);
    char *c = malloc(l + 1);
    if (!c) abort();
    memcpy(c, s, l);
    c[l] = 0;
    return c;
}

/* A string of `n` times the byte b: huge keys and values. */
static inline char *fz_repeat(uint8_t b, size_t n) {
    char *c = malloc(n + 1);
    if (!c) abort();
    memset(c, b ? b : 'k', n);
    c[n] = 0;
    return c;
}

/* A JSON value from the input: parsed (NUL allowed in strings, any top-level value), else the
 * raw bytes as an unchecked string (invalid UTF-8 and NUL, as a C host's json_stringn_nocheck). */
static inline json_t *fz_json(fz_t *r) {
    const char *s;
    size_t l = fz_bytes(r, &s);
    json_t *v = json_loadb(s, l, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    return v ? v : json_stringn_nocheck(s, l);
}

/* Nested arrays/objects `depth` deep, with an unchecked string at the bottom. */
static inline json_t *fz_deep(fz_t *r, int depth) {
    const char *s;
    size_t l = fz_bytes(r, &s);
    json_t *v = json_stringn_nocheck(s, l);
    for (int i = 0; i < depth; i++) {
        json_t *o = (i & 1) ? json_array() : json_object();
        if (json_is_array(o))
            json_array_append_new(o, v);
        else
            json_object_setn_new_nocheck(o, s, l, v);
        v = o;
    }
    return v;
}

/* An object of `width` entries with unchecked keys and values. */
static inline json_t *fz_wide(fz_t *r, size_t width) {
    json_t *o = json_object();
    const char *s;
    size_t l = fz_bytes(r, &s);
    for (size_t i = 0; i < width; i++) {
        char k[48];
        int kl = snprintf(k, sizeof k, "%zu", i);
        if (l && (i & 1))
            json_object_setn_new_nocheck(o, s, l < 40 ? l : 40, json_integer((json_int_t)i));
        else
            json_object_setn_new_nocheck(o, k, (size_t)kl, json_stringn_nocheck(s, l));
    }
    return o;
}

#endif

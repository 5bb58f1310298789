/* Internal: small shared helpers (UTF-8, hashing, random ids, time, spinlock). */
#ifndef CSC_UTIL_H
#define CSC_UTIL_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cscope.h"

#define CSC_LIKELY(x)   __builtin_expect(!!(x), 1)
#define CSC_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- the CPU's spin-wait hint: tells a core (or its SMT sibling) that this loop waits */
static inline void csc__spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst); /* no hint: only keep the compiler from fusing the loop */
#endif
}

/* ---- spinlock: critical sections are a few dozen instructions, never I/O. */
typedef struct {
    atomic_int v;
} csc__lock_t;
static inline void csc__lock(csc__lock_t *l) {
    if (CSC_LIKELY(!atomic_exchange_explicit(&l->v, 1, memory_order_acquire))) return;
    for (unsigned spins = 0;; spins++) {
        while (atomic_load_explicit(&l->v, memory_order_relaxed)) {
            if (spins++ > 64)
                sched_yield();
            else
                csc__spin_pause();
        }
        if (!atomic_exchange_explicit(&l->v, 1, memory_order_acquire)) return;
    }
}
static inline void csc__unlock(csc__lock_t *l) { atomic_store_explicit(&l->v, 0, memory_order_release); }

/* ---- hashing (FNV-1a, 32 bit) */
static inline uint32_t csc__hash(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

/* ---- UTF-8: validation, repair and truncation.
 * csc__utf8_clean checks `s[0..n)`; when it is valid and has at most
 * `max_chars` characters, returns 0 and sets *out = s, *out_len = n (no copy).
 * Otherwise writes a repaired/cut copy into a malloc'd buffer (*out, caller
 * frees when *out != s) and returns CSC_TRUNCATED / CSC_REPAIRED flags.
 * Returns CSC_ERR_NOMEM on allocation failure. */
int csc__utf8_clean(const char *s, size_t n, size_t max_chars, const char **out, size_t *out_len);
/* Copies a NUL-terminated C string (NULL -> NULL). */
char *csc__strdup(const char *s);
char *csc__strndup(const char *s, size_t n);

/* ---- random and ids */
uint64_t csc__rand64(void);
void csc__random_hex(char *out, size_t hex_chars); /* writes hex_chars + NUL */

/* ---- time */
/* Formats µs since the epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (27 chars + NUL). */
size_t csc__format_timestamp(int64_t us, char out[32]);
/* Parses ISO-8601 (Z, ±hh:mm offsets, optional fraction) into µs. False if unparseable. */
bool csc__parse_timestamp(const char *s, int64_t *us);

/* ---- JSON helpers */
/* Appends a JSON string literal for s[0..n) (already valid UTF-8) to buf. */
/* `borrowed`: p is caller storage (e.g. a stack array) that must not be realloc'd or freed;
 * growing copies it to the heap and clears the flag (the caller frees p when !borrowed). */
typedef struct {
    char *p;
    size_t len, cap;
    bool oom, borrowed;
} csc__buf_t;
void csc__buf_reserve(csc__buf_t *b, size_t extra);
void csc__buf_put(csc__buf_t *b, const char *s, size_t n);
static inline void csc__buf_putc(csc__buf_t *b, char c) {
    if (CSC_UNLIKELY(b->len + 1 > b->cap)) {
        csc__buf_reserve(b, 1);
        if (b->oom) return;
    }
    b->p[b->len++] = c;
}
void csc__buf_put_json_string(csc__buf_t *b, const char *s, size_t n);

/* True when s[0..n) is ASCII with nothing JSON escapes (no control character, '"' or '\\'):
 * valid UTF-8 of n characters that goes into a JSON string literal as is. */
static inline bool csc__plain_ascii(const char *s, size_t n) {
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
        if ((w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & high) return false;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || c < 0x20 || c == '"' || c == '\\') return false;
    }
    return true;
}
/* True when s[0..n) is all ASCII (so valid UTF-8 of n characters). */
static inline bool csc__is_ascii(const char *s, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull) return false;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) return false;
    return true;
}
/* Appends "s" (s[0..n) plain per csc__plain_ascii). */
static inline void csc__buf_put_plain_string(csc__buf_t *b, const char *s, size_t n) {
    if (CSC_UNLIKELY(b->len + n + 2 > b->cap)) {
        csc__buf_reserve(b, n + 2);
        if (b->oom) return;
    }
    char *d = b->p + b->len;
    d[0] = '"';
    memcpy(d + 1, s, n);
    d[n + 1] = '"';
    b->len += n + 2;
}
void csc__buf_put_i64(csc__buf_t *b, int64_t v);
/* Dumps a jansson value compactly into the buffer. */
void csc__buf_put_json(csc__buf_t *b, const json_t *v);
/* Appends v dumped with jansson `flags`. Strings or keys jansson cannot write (invalid UTF-8,
 * let in by its unchecked constructors) or could not read back (NUL) are written from a
 * repaired copy (U+FFFD): returns CSC_OK, a CSC_REPAIRED status, or CSC_ERR_NOMEM (b->oom). */
int csc__buf_put_json_flags(csc__buf_t *b, const json_t *v, size_t flags);
/* A deep copy of v with every string and key valid UTF-8 without NUL (new reference; NULL on
 * allocation failure); *status gets CSC_REPAIRED when something was replaced. */
json_t *csc__json_repaired_copy(const json_t *v, int *status);

/* Depth of a JSON value (a scalar is 0). Stops counting at limit+1. */
int csc__json_depth(const json_t *v, int limit);
/* Returns a UTF-8-clean jansson string (repairing/truncating); sets *status flags. NULL on OOM. */
json_t *csc__json_string_clean(const char *s, size_t n, size_t max_chars, int *status);

#endif

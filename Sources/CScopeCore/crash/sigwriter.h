/* Internal (crash reporting): an async-signal-safe buffered writer to a file
 * descriptor, with JSON primitives and a read-only dumper for jansson values.
 *
 * SIGNAL SAFETY: every function here only uses write(2) and plain memory reads
 * and writes: no malloc, no locks, no stdio, no locale. The jansson dumper only
 * reads (json_typeof, json_*_value, json_array_get, json_object_iter*), which in
 * jansson 2.x are plain field reads of the value and its hashtable list; the
 * caller guarantees the values cannot be freed or changed meanwhile (it holds
 * the owning scope's lock, and scope values are immutable once stored).
 *
 * OWNERSHIP: the writer borrows `buf` (static storage of the crash handler). */
#ifndef CSC_CRASH_SIGWRITER_H
#define CSC_CRASH_SIGWRITER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int fd;
    char *buf;
    size_t cap, len;
    bool failed; /* a write(2) failed: the file is incomplete and must be dropped */
} csc__sw_t;

void csc__sw_init(csc__sw_t *w, int fd, char *buf, size_t cap);
bool csc__sw_flush(csc__sw_t *w);
void csc__sw_put(csc__sw_t *w, const char *s, size_t n);
/* A string literal. */
#define CSC__SW_LIT(w, lit) csc__sw_put((w), (lit), sizeof(lit) - 1)
void csc__sw_puts(csc__sw_t *w, const char *s); /* NUL-terminated */
void csc__sw_putc(csc__sw_t *w, char c);
void csc__sw_u64(csc__sw_t *w, uint64_t v);
void csc__sw_i64(csc__sw_t *w, int64_t v);
void csc__sw_hex(csc__sw_t *w, uint64_t v); /* "0x..." lowercase, no quotes */
/* A finite double in plain decimal or exponent form (~15 significant digits); NaN/inf as null. */
void csc__sw_double(csc__sw_t *w, double d);
/* A JSON string literal for s[0..n) (control characters and quotes escaped; bytes >= 0x80 copied). */
void csc__sw_str(csc__sw_t *w, const char *s, size_t n);
/* Writes `"key":` */
void csc__sw_key(csc__sw_t *w, const char *key);
/* Dumps a jansson value compactly, read-only; nesting deeper than `max_depth` is written as null. */
void csc__sw_json(csc__sw_t *w, const json_t *v, int max_depth);

/* Signal-safe small helpers. */
size_t csc__sw_strlen(const char *s);
/* Appends decimal `v` to out (no NUL); returns the number of chars written (<= 20). */
size_t csc__sw_fmt_u64(char *out, uint64_t v);
static inline void csc__sw_cstr(csc__sw_t *w, const char *s) { csc__sw_str(w, s, s ? csc__sw_strlen(s) : 0); }

#endif

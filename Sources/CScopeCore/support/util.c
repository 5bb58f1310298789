/* Small shared helpers: UTF-8, random ids, time formatting, buffers. */
#include "util.h"
#include "cscope_spi.h" /* csc_timestamp_format / csc_timestamp_parse, exported for the overlay */

#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

/* ------------------------------------------------------------ UTF-8 */

/* Length of the valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;  /* overlong */
        if (c == 0xED && s[1] >= 0xA0) return 0; /* surrogates */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && s[1] < 0x90) return 0;
        if (c == 0xF4 && s[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

int csc__utf8_clean(const char *s, size_t n, size_t max_chars, const char **out, size_t *out_len) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, chars = 0;
    /* fast scan: valid and short enough -> no copy; ASCII 8 bytes at a time */
    while (i + 8 <= n && chars + 8 <= max_chars) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        /* non-ASCII, or a zero byte (NUL is repaired: jansson does not read "\u0000" back) */
        if ((w | ((w - 0x0101010101010101ull) & ~w)) & 0x8080808080808080ull) break;
        i += 8;
        chars += 8;
    }
    while (i < n) {
        if (chars == max_chars) break;
        if (u[i] && u[i] < 0x80) {
            i++;
            chars++;
            continue;
        }
        if (!u[i]) break;
        size_t k = utf8_seq(u + i, n - i);
        if (!k) break;
        i += k;
        chars++;
    }
    if (i == n) {
        *out = s;
        *out_len = n;
        return CSC_OK;
    }
    /* slow path: copy with repairs, cut at max_chars */
    int status = 0;
    char *buf = malloc(n * 3 + 4);
    if (!buf) return CSC_ERR_NOMEM;
    memcpy(buf, s, i);
    size_t o = i;
    while (i < n) {
        if (chars == max_chars) {
            status |= CSC_TRUNCATED;
            break;
        }
        size_t k = u[i] < 0x80 ? (u[i] ? 1 : 0) : utf8_seq(u + i, n - i); /* NUL: replaced too */
        if (k) {
            memcpy(buf + o, s + i, k);
            o += k;
            i += k;
        } else {
            memcpy(buf + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
            status |= CSC_REPAIRED;
        }
        chars++;
    }
    buf[o] = 0;
    *out = buf;
    *out_len = o;
    return status;
}

char *csc__strndup(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *csc__strdup(const char *s) { return s ? csc__strndup(s, strlen(s)) : NULL; }

json_t *csc__json_string_clean(const char *s, size_t n, size_t max_chars, int *status) {
    const char *c;
    size_t cl;
    int st = csc__utf8_clean(s, n, max_chars, &c, &cl);
    if (st < 0) return NULL;
    if (status) *status |= st;
    json_t *j = json_stringn_nocheck(c, cl);
    if (c != s) free((void *)c);
    return j;
}

/* ------------------------------------------------------------ random */

static _Thread_local uint64_t t_rng[4];
/* The fork generation a thread's state was seeded in, plus one (0: never seeded). fork()
 * copies the calling thread's state into the child; the child handler moves the generation
 * on, so parent and child do not hand out the same event, trace and span ids. */
static _Thread_local unsigned t_rng_generation;
static atomic_uint g_rng_generation;
static pthread_once_t g_rng_atfork_once = PTHREAD_ONCE_INIT;

static void rng_after_fork_in_child(void) { atomic_fetch_add_explicit(&g_rng_generation, 1, memory_order_relaxed); }
static void rng_register_atfork(void) { (void)pthread_atfork(NULL, NULL, rng_after_fork_in_child); }

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static void rng_seed(void) {
    pthread_once(&g_rng_atfork_once, rng_register_atfork);
    if (getrandom(t_rng, sizeof t_rng, 0) != (ssize_t)sizeof t_rng) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        t_rng[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)(uintptr_t)&ts << 17);
        t_rng[1] = (uint64_t)ts.tv_sec * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid();
        t_rng[2] = 0xD1B54A32D192ED03ull;
        t_rng[3] = 0xABCDEF1234567ull;
    }
}

uint64_t csc__rand64(void) {
    unsigned generation = atomic_load_explicit(&g_rng_generation, memory_order_relaxed) + 1;
    if (CSC_UNLIKELY(t_rng_generation != generation)) {
        rng_seed();
        t_rng_generation = generation;
    }
    /* xoshiro256** */
    uint64_t *s = t_rng;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

void csc__random_hex(char *out, size_t hex_chars) {
    static const char hex[] = "0123456789abcdef";
    uint64_t r = 0;
    for (size_t i = 0; i < hex_chars; i++) {
        if (i % 16 == 0) r = csc__rand64();
        out[i] = hex[r & 15];
        r >>= 4;
    }
    out[hex_chars] = 0;
}

void csc_uuid4_hex(char out[33]) {
    csc__random_hex(out, 32);
    out[12] = '4';
    out[16] = "89ab"[csc__rand64() & 3];
}

/* ------------------------------------------------------------ time */

int64_t csc_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* days since 1970-01-01 -> civil date (Howard Hinnant's algorithm) */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

static int64_t days_from_civil(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static inline void put2(char *p, unsigned v) {
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

size_t csc__format_timestamp(int64_t us, char out[32]) {
    int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - secs * 1000000;
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t sod = secs - days * 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, (unsigned)(sod / 3600));
    out[13] = ':';
    put2(out + 14, (unsigned)(sod / 60 % 60));
    out[16] = ':';
    put2(out + 17, (unsigned)(sod % 60));
    out[19] = '.';
    unsigned f = (unsigned)frac;
    for (int i = 25; i >= 20; i--) {
        out[i] = (char)('0' + f % 10);
        f /= 10;
    }
    out[26] = 'Z';
    out[27] = 0;
    return 27;
}

static bool digits(const char **p, int n, int *v) {
    int r = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') return false;
        r = r * 10 + (c - '0');
    }
    *p += n;
    *v = r;
    return true;
}

bool csc__parse_timestamp(const char *s, int64_t *us) {
    if (!s) return false;
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d)) return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
    int64_t frac = 0;
    int64_t off = 0;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi)) return false;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &se)) return false;
        }
        if (*p == '.' || *p == ',') {
            p++;
            int nd = 0;
            while (*p >= '0' && *p <= '9') {
                if (nd < 6) {
                    frac = frac * 10 + (*p - '0');
                    nd++;
                }
                p++;
            }
            if (nd == 0) return false;
            while (nd < 6) {
                frac *= 10;
                nd++;
            }
        }
        if (*p == 'Z' || *p == 'z')
            p++;
        else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
            if (!digits(&p, 2, &oh)) return false;
            if (*p == ':') p++;
            if (*p) {
                if (!digits(&p, 2, &om)) return false;
            }
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p) return false;
    if (h > 23 || mi > 59 || se > 60) return false;
    int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    *us = secs * 1000000 + frac;
    return true;
}

/* The exported forms of the two functions above, for the Swift overlay (cscope_spi.h). */
size_t csc_timestamp_format(int64_t us, char out[32]) { return csc__format_timestamp(us, out); }
bool csc_timestamp_parse(const char *text, int64_t *us) {
    if (!us) return false;
    return csc__parse_timestamp(text, us);
}

/* ------------------------------------------------------------ buffers */

void csc__buf_reserve(csc__buf_t *b, size_t extra) {
    if (b->oom) return;
    if (b->len + extra <= b->cap) return;
    size_t nc = b->cap ? b->cap * 2 : 256;
    while (nc < b->len + extra) nc *= 2;
    char *np;
    if (b->borrowed) { /* caller storage: copy out, never realloc it */
        np = malloc(nc);
        if (np && b->len) memcpy(np, b->p, b->len);
    } else {
        np = realloc(b->p, nc);
    }
    if (!np) {
        b->oom = true;
        return;
    }
    b->p = np;
    b->cap = nc;
    b->borrowed = false;
}

void csc__buf_put(csc__buf_t *b, const char *s, size_t n) {
    if (CSC_UNLIKELY(b->len + n > b->cap)) {
        csc__buf_reserve(b, n);
        if (b->oom) return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

void csc__buf_put_json_string(csc__buf_t *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    csc__buf_reserve(b, n + 2);
    if (b->oom) return;
    b->p[b->len++] = '"';
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        /* skip 8 plain bytes at a time: none < 0x20, '"' or '\\' */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
            uint64_t ctl = (w - ones * 0x20) & ~w;
            uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
            uint64_t hit = (ctl | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & high;
            if (hit) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        csc__buf_put(b, s + run, i - run);
        run = i + 1;
        char esc[6];
        switch (c) {
            case '"': csc__buf_put(b, "\\\"", 2); break;
            case '\\': csc__buf_put(b, "\\\\", 2); break;
            case '\n': csc__buf_put(b, "\\n", 2); break;
            case '\r': csc__buf_put(b, "\\r", 2); break;
            case '\t': csc__buf_put(b, "\\t", 2); break;
            case '\b': csc__buf_put(b, "\\b", 2); break;
            case '\f': csc__buf_put(b, "\\f", 2); break;
            default:
                esc[0] = '\\';
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                csc__buf_put(b, esc, 6);
        }
    }
    csc__buf_put(b, s + run, n - run);
    csc__buf_putc(b, '"');
}

void csc__buf_put_i64(csc__buf_t *b, int64_t v) {
    char tmp[24];
    int i = 23;
    uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    tmp[i] = 0;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[--i] = '-';
    csc__buf_put(b, tmp + i, (size_t)(23 - i));
}

static int dump_cb(const char *buffer, size_t size, void *data) {
    csc__buf_t *b = data;
    csc__buf_put(b, buffer, size);
    return b->oom ? -1 : 0;
}

/* A copy of v whose strings and keys are valid UTF-8 without NUL (U+FFFD instead), or NULL
 * on allocation failure. Containers deeper than CSC__REPAIR_DEPTH become null. */
#define CSC__REPAIR_DEPTH 2048
static json_t *repaired_copy(const json_t *v, int depth, int *status) {
    if (depth > CSC__REPAIR_DEPTH) {
        *status |= CSC_TRUNCATED;
        return json_null();
    }
    if (json_is_string(v)) {
        json_t *r = csc__json_string_clean(json_string_value(v), json_string_length(v), SIZE_MAX, status);
        return r;
    }
    if (json_is_array(v)) {
        json_t *out = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (!out || json_array_append_new(out, repaired_copy(x, depth + 1, status))) {
                json_decref(out);
                return NULL;
            }
        }
        return out;
    }
    if (json_is_object(v)) {
        json_t *out = json_object();
        for (void *it = json_object_iter((json_t *)v); out && it; it = json_object_iter_next((json_t *)v, it)) {
            const char *k = json_object_iter_key(it), *ck;
            size_t kl = json_object_iter_key_len(it), ckl;
            int st = csc__utf8_clean(k, kl, SIZE_MAX, &ck, &ckl);
            if (st < 0) {
                json_decref(out);
                return NULL;
            }
            *status |= st;
            json_t *x = repaired_copy(json_object_iter_value(it), depth + 1, status);
            int rc = x ? json_object_setn_new_nocheck(out, ck, ckl, x) : -1;
            if (ck != k) free((void *)ck);
            if (rc) {
                json_decref(out);
                return NULL;
            }
        }
        return out;
    }
    return json_incref((json_t *)v); /* numbers, booleans, null: immutable here */
}

json_t *csc__json_repaired_copy(const json_t *v, int *status) {
    int st = 0;
    json_t *r = v ? repaired_copy(v, 0, &st) : NULL;
    if (status) *status |= st;
    return r;
}

/* True when every object key under v is valid UTF-8 without NUL. jansson ignores its own
 * failure to write a key (dump_string's result is not checked for keys): it reports success
 * for a document that is not JSON, so keys are checked before, values by the dump itself. */
static bool keys_ok(const json_t *v, int depth) {
    if (depth > CSC__REPAIR_DEPTH) return false;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) if ((json_is_object(x) || json_is_array(x)) && !keys_ok(x, depth + 1)) return false;
        return true;
    }
    if (!json_is_object(v)) return true;
    for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
        const unsigned char *k = (const unsigned char *)json_object_iter_key(it);
        size_t kl = json_object_iter_key_len(it);
        for (size_t i = 0; i < kl;) {
            size_t n = k[i] && k[i] < 0x80 ? 1 : k[i] ? utf8_seq(k + i, kl - i) : 0;
            if (!n) return false;
            i += n;
        }
        json_t *x = json_object_iter_value(it);
        if ((json_is_object(x) || json_is_array(x)) && !keys_ok(x, depth + 1)) return false;
    }
    return true;
}

int csc__buf_put_json_flags(csc__buf_t *b, const json_t *v, size_t flags) {
    if (!v) {
        csc__buf_put(b, "null", 4);
        return b->oom ? CSC_ERR_NOMEM : CSC_OK;
    }
    size_t start = b->len;
    int rc = keys_ok(v, 0) ? json_dump_callback(v, dump_cb, b, flags) : -1;
    if (b->oom) return CSC_ERR_NOMEM;
    /* jansson refuses to write invalid UTF-8 (json_stringn_nocheck and friends let it in) and
     * writes NUL as "\u0000", which it refuses to read back: repair a copy and write that */
    if (rc == 0 && !memmem(b->p + start, b->len - start, "\\u0000", 6)) return CSC_OK;
    b->len = start;
    int st = 0;
    json_t *r = csc__json_repaired_copy(v, &st);
    if (!r) {
        b->oom = true;
        return CSC_ERR_NOMEM;
    }
    rc = json_dump_callback(r, dump_cb, b, flags);
    json_decref(r);
    if (rc != 0 || b->oom) {
        b->oom = true;
        return CSC_ERR_NOMEM;
    }
    return st; /* 0 when the match was a literal backslash followed by u0000: nothing changed */
}

void csc__buf_put_json(csc__buf_t *b, const json_t *v) {
    csc__buf_put_json_flags(b, v, JSON_COMPACT | JSON_ENCODE_ANY);
}

int csc__json_depth(const json_t *v, int limit) {
    if (!v || limit < 0) return 0;
    int best = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            int d = 1 + csc__json_depth(x, limit - 1);
            if (d > best) best = d;
            if (best > limit) break;
        }
        return best ? best : 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            int d = 1 + csc__json_depth(x, limit - 1);
            if (d > best) best = d;
            if (best > limit) break;
        }
        return best ? best : 1;
    }
    return 0;
}

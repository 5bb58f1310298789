/* Async-signal-safe buffered writer and JSON output (see sigwriter.h).
 * Only write(2) and plain memory accesses: callable from a signal handler. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sigwriter.h"

#include <errno.h>
#include <math.h>
#include <unistd.h>

size_t csc__sw_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

size_t csc__sw_fmt_u64(char *out, uint64_t v) {
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

void csc__sw_init(csc__sw_t *w, int fd, char *buf, size_t cap) {
    w->fd = fd;
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->failed = fd < 0;
}

bool csc__sw_flush(csc__sw_t *w) {
    size_t off = 0;
    while (!w->failed && off < w->len) {
        ssize_t r = write(w->fd, w->buf + off, w->len - off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            w->failed = true;
            break;
        }
        off += (size_t)r;
    }
    w->len = 0;
    return !w->failed;
}

void csc__sw_put(csc__sw_t *w, const char *s, size_t n) {
    while (n && !w->failed) {
        if (w->len == w->cap) csc__sw_flush(w);
        size_t k = w->cap - w->len;
        if (k > n) k = n;
        for (size_t i = 0; i < k; i++) w->buf[w->len + i] = s[i];
        w->len += k;
        s += k;
        n -= k;
    }
}

void csc__sw_puts(csc__sw_t *w, const char *s) { csc__sw_put(w, s, csc__sw_strlen(s)); }

void csc__sw_putc(csc__sw_t *w, char c) {
    if (w->len == w->cap) csc__sw_flush(w);
    if (!w->failed) w->buf[w->len++] = c;
}

void csc__sw_u64(csc__sw_t *w, uint64_t v) {
    char d[20];
    csc__sw_put(w, d, csc__sw_fmt_u64(d, v));
}

void csc__sw_i64(csc__sw_t *w, int64_t v) {
    if (v < 0) {
        csc__sw_putc(w, '-');
        csc__sw_u64(w, (uint64_t)0 - (uint64_t)v);
    } else
        csc__sw_u64(w, (uint64_t)v);
}

void csc__sw_hex(csc__sw_t *w, uint64_t v) {
    static const char digits[] = "0123456789abcdef";
    char d[18];
    int n = 0;
    do {
        d[17 - n++] = digits[v & 15];
        v >>= 4;
    } while (v);
    d[17 - n++] = 'x';
    d[17 - n++] = '0';
    csc__sw_put(w, d + 18 - n, (size_t)n);
}

void csc__sw_double(csc__sw_t *w, double d) {
    if (isnan(d) || isinf(d)) {
        CSC__SW_LIT(w, "null");
        return;
    }
    if (d < 0) {
        csc__sw_putc(w, '-');
        d = -d;
    }
    int exp10 = 0;
    if (d != 0 && (d >= 1e15 || d < 1e-5)) { /* exponent form: mantissa in [1, 10) */
        while (d >= 10) {
            d /= 10;
            exp10++;
        }
        while (d < 1) {
            d *= 10;
            exp10--;
        }
    }
    uint64_t ip = (uint64_t)d;
    double frac = d - (double)ip;
    uint64_t f = (uint64_t)(frac * 1e9 + 0.5); /* 9 fractional digits */
    if (f >= 1000000000u) {
        ip++;
        f -= 1000000000u;
    }
    csc__sw_u64(w, ip);
    if (f) {
        char fd[9];
        for (int i = 8; i >= 0; i--) {
            fd[i] = (char)('0' + f % 10);
            f /= 10;
        }
        int n = 9;
        while (n > 1 && fd[n - 1] == '0') n--;
        csc__sw_putc(w, '.');
        csc__sw_put(w, fd, (size_t)n);
    } else if (!exp10) {
        CSC__SW_LIT(w, ".0");
    }
    if (exp10) {
        csc__sw_putc(w, 'e');
        csc__sw_i64(w, exp10);
    }
}

void csc__sw_str(csc__sw_t *w, const char *s, size_t n) {
    static const char digits[] = "0123456789abcdef";
    csc__sw_putc(w, '"');
    size_t run = 0; /* bytes copied as they are, pending */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            run++;
            continue;
        }
        csc__sw_put(w, s + i - run, run);
        run = 0;
        char esc[6] = {'\\', 'u', '0', '0', digits[c >> 4], digits[c & 15]};
        switch (c) {
            case '"': CSC__SW_LIT(w, "\\\""); break;
            case '\\': CSC__SW_LIT(w, "\\\\"); break;
            case '\n': CSC__SW_LIT(w, "\\n"); break;
            case '\r': CSC__SW_LIT(w, "\\r"); break;
            case '\t': CSC__SW_LIT(w, "\\t"); break;
            default: csc__sw_put(w, esc, 6);
        }
    }
    csc__sw_put(w, s + n - run, run);
    csc__sw_putc(w, '"');
}

void csc__sw_key(csc__sw_t *w, const char *key) {
    csc__sw_cstr(w, key);
    csc__sw_putc(w, ':');
}

void csc__sw_json(csc__sw_t *w, const json_t *v, int max_depth) {
    if (!v) {
        CSC__SW_LIT(w, "null");
        return;
    }
    switch (json_typeof(v)) {
        case JSON_OBJECT: {
            if (max_depth <= 0) {
                CSC__SW_LIT(w, "null");
                return;
            }
            csc__sw_putc(w, '{');
            bool first = true;
            /* read-only walk of the object's ordered hashtable list */
            for (void *it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
                if (!first) csc__sw_putc(w, ',');
                first = false;
                csc__sw_str(w, json_object_iter_key(it), json_object_iter_key_len(it));
                csc__sw_putc(w, ':');
                csc__sw_json(w, json_object_iter_value(it), max_depth - 1);
            }
            csc__sw_putc(w, '}');
            return;
        }
        case JSON_ARRAY: {
            if (max_depth <= 0) {
                CSC__SW_LIT(w, "null");
                return;
            }
            csc__sw_putc(w, '[');
            size_t n = json_array_size(v);
            for (size_t i = 0; i < n; i++) {
                if (i) csc__sw_putc(w, ',');
                csc__sw_json(w, json_array_get(v, i), max_depth - 1);
            }
            csc__sw_putc(w, ']');
            return;
        }
        case JSON_STRING: csc__sw_str(w, json_string_value(v), json_string_length(v)); return;
        case JSON_INTEGER: csc__sw_i64(w, (int64_t)json_integer_value(v)); return;
        case JSON_REAL: csc__sw_double(w, json_real_value(v)); return;
        case JSON_TRUE: CSC__SW_LIT(w, "true"); return;
        case JSON_FALSE: CSC__SW_LIT(w, "false"); return;
        default: CSC__SW_LIT(w, "null"); return;
    }
}

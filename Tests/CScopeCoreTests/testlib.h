/*
 * testlib.h: the tiny test harness shared by the C unit tests.
 *
 *   static void test_something(void) { CHECK(x); CHECK_EQ_INT(rc, CSC_OK); CHECK_STR(s, "a"); }
 *   int main(void) { RUN(test_something); return TL_DONE(); }
 *
 * A test case passes when none of its checks failed. Every failed check prints
 * file:line, the expression and the values. The binary prints a final line
 * exactly "N passed, M failed" (test cases) and exits non-zero on any failure.
 *
 * Also: an in-memory transport that collects envelopes (thread-safe), the
 * helpers to start the SDK with it, and small JSON/UTF-8 helpers.
 */
#ifndef CSC_TESTLIB_H
#define CSC_TESTLIB_H

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cscope.h>

#if defined(__SANITIZE_THREAD__)
/* Races inside jansson itself, not in CScopeCore, which shares jansson values
 * between threads by design (copy-on-write tables; jansson's refcounts are atomic):
 * - json_incref/json_decref (inline, jansson.h) read `refcount` plainly before the
 *   atomic update (the check for the immortal -1);
 * - the last json_decref decrements with __ATOMIC_RELEASE but no acquire, so the
 *   free() jansson then calls is not ordered after other threads' reads for TSan.
 * Only those are suppressed: reports whose top frame is json_incref/json_decref,
 * and interceptors (free) called from the uninstrumented libjansson. */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void) {
    return "race_top:json_incref\nrace_top:json_decref\ncalled_from_lib:libjansson.so\n";
}
#endif

static int tl_cases_passed, tl_cases_failed, tl_checks_failed_in_case;
static const char *tl_current_case = "";

#define TL_FAIL_(fmt, ...)                                                                                             \
    do {                                                                                                               \
        tl_checks_failed_in_case++;                                                                                    \
        fprintf(stderr, "%s:%d: [%s] " fmt "\n", __FILE__, __LINE__, tl_current_case, __VA_ARGS__);                    \
    } while (0)

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) TL_FAIL_("CHECK(%s) failed", #cond);                                                              \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                                             \
    do {                                                                                                               \
        long long tl_a_ = (long long)(a), tl_b_ = (long long)(b);                                                      \
        if (tl_a_ != tl_b_) TL_FAIL_("CHECK_EQ_INT(%s, %s) failed: %lld != %lld", #a, #b, tl_a_, tl_b_);               \
    } while (0)

#define CHECK_STR(a, b)                                                                                                \
    do {                                                                                                               \
        const char *tl_a_ = (a), *tl_b_ = (b);                                                                         \
        if (!tl_a_ || !tl_b_ || strcmp(tl_a_, tl_b_) != 0)                                                             \
            TL_FAIL_("CHECK_STR(%s, %s) failed: \"%.300s\" != \"%.300s\"", #a, #b, tl_a_ ? tl_a_ : "(null)",           \
                     tl_b_ ? tl_b_ : "(null)");                                                                        \
    } while (0)

#define RUN(fn)                                                                                                        \
    do {                                                                                                               \
        tl_current_case = #fn;                                                                                         \
        tl_checks_failed_in_case = 0;                                                                                  \
        fn();                                                                                                          \
        if (tl_checks_failed_in_case) {                                                                                \
            tl_cases_failed++;                                                                                         \
            fprintf(stderr, "FAIL %s\n", #fn);                                                                         \
        } else {                                                                                                       \
            tl_cases_passed++;                                                                                         \
        }                                                                                                              \
    } while (0)

#define TL_DONE() (printf("%d passed, %d failed\n", tl_cases_passed, tl_cases_failed), tl_cases_failed ? 1 : 0)

/* ------------------------------------------------------------ collecting transport */

#define TL_MAX_ENVELOPES 64

typedef struct tl_sink_s {
    pthread_mutex_t mu;
    csc_envelope_t *env[TL_MAX_ENVELOPES];
    int count;  /* envelopes held in env[] */
    long total; /* envelopes received, including those freed when env[] was full */
} tl_sink_t;

static tl_sink_t tl_sink __attribute__((unused)) = {PTHREAD_MUTEX_INITIALIZER, {0}, 0, 0};

static inline void tl_transport(csc_envelope_t *envelope, void *user_data) {
    tl_sink_t *s = (tl_sink_t *)user_data;
    pthread_mutex_lock(&s->mu);
    s->total++;
    if (s->count < TL_MAX_ENVELOPES) {
        s->env[s->count++] = envelope;
        envelope = NULL;
    }
    pthread_mutex_unlock(&s->mu);
    csc_envelope_free(envelope);
}

static inline void tl_sink_reset(void) {
    pthread_mutex_lock(&tl_sink.mu);
    for (int i = 0; i < tl_sink.count; i++) csc_envelope_free(tl_sink.env[i]);
    tl_sink.count = 0;
    tl_sink.total = 0;
    pthread_mutex_unlock(&tl_sink.mu);
}

/* The newest collected envelope (still owned by the sink), or NULL. */
static inline csc_envelope_t *tl_last_envelope(void) { return tl_sink.count ? tl_sink.env[tl_sink.count - 1] : NULL; }

/* The event of the newest envelope (caller owns), or NULL. */
static inline json_t *tl_last_event(void) {
    csc_envelope_t *e = tl_last_envelope();
    return e ? csc_envelope_get_event(e) : NULL;
}

/* Options with the collecting transport and fixed release/environment. Caller may change them before tl_start. */
static inline csc_options_t *tl_options(void) {
    csc_options_t *o = csc_options_new();
    if (!o) return NULL;
    (void)csc_options_set_transport(o, tl_transport, &tl_sink);
    (void)csc_options_set_release(o, "test@1.0.0");
    (void)csc_options_set_environment(o, "testing");
    return o;
}

/* Starts the SDK with `o` (taken) after emptying the sink. */
static inline int tl_start(csc_options_t *o) {
    tl_sink_reset();
    return csc_init(o);
}

/* Starts the SDK with the collecting transport and max_breadcrumbs. */
static inline int tl_start_default(size_t max_breadcrumbs) {
    csc_options_t *o = tl_options();
    (void)csc_options_set_max_breadcrumbs(o, max_breadcrumbs);
    return tl_start(o);
}

/* The text of a cached envelope in `dir` that contains `needle` (static buffer, overwritten by
 * the next call), or NULL. For tests of the HTTP transport, which caches what it cannot send. */
static inline const char *tl_cached_envelope(const char *dir, const char *needle) {
    static char buf[1 << 20];
    DIR *d = opendir(dir);
    if (!d) return NULL;
    const char *found = NULL;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (!strstr(e->d_name, ".envelope")) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        if (strstr(buf, needle)) found = buf;
    }
    closedir(d);
    return found;
}

/* ------------------------------------------------------------ JSON helpers */

/* Walks a '.'-separated path of object keys; NULL when any step is missing. Borrowed. */
static inline json_t *tl_path(json_t *v, const char *path) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save)) v = json_object_get(v, k);
    return v;
}

/* String at path, or NULL. */
static inline const char *tl_str(json_t *v, const char *path) { return json_string_value(tl_path(v, path)); }

/* The breadcrumb array of an event or of csc_scope_to_json: accepts both {"values": [...]} and [...]. */
static inline json_t *tl_crumbs(json_t *v) {
    json_t *b = json_object_get(v, "breadcrumbs");
    if (json_is_object(b)) b = json_object_get(b, "values");
    return json_is_array(b) ? b : NULL;
}

/* The event's `_meta.<key>[""].len`, or -1 when absent. */
static inline long long tl_meta_len(json_t *event, const char *key) {
    json_t *m = json_object_get(json_object_get(event, "_meta"), key);
    json_t *len = json_object_get(json_object_get(m, ""), "len");
    return json_is_integer(len) ? (long long)json_integer_value(len) : -1;
}

/* True if s is exactly n lower-case hex characters. */
static inline int tl_is_hex(const char *s, size_t n) {
    if (!s || strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

/* Strict UTF-8 validation (no overlongs, no surrogates, max U+10FFFF). */
static inline int tl_utf8_valid(const char *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else
            return 0;
        if (i + len > n) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* Number of UTF-8 characters in a valid string. */
static inline size_t tl_utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

/* Parses "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (or a number of seconds) into µs since the epoch; -1 if unparseable. */
static inline long long tl_parse_ts(json_t *v) {
    if (json_is_number(v)) return (long long)(json_number_value(v) * 1e6);
    const char *s = json_string_value(v);
    if (!s) return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int frac_len = 0;
    long frac = 0;
    char fbuf[16] = "";
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec) != 6)
        return -1;
    const char *dot = strchr(s, '.');
    if (dot) {
        sscanf(dot + 1, "%15[0-9]", fbuf);
        frac_len = (int)strlen(fbuf);
        frac = atol(fbuf);
        while (frac_len < 6) {
            frac *= 10;
            frac_len++;
        }
        while (frac_len > 6) {
            frac /= 10;
            frac_len--;
        }
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm) * 1000000LL + frac;
}

#endif /* CSC_TESTLIB_H */

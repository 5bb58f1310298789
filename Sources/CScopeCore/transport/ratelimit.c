#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* timegm */
#endif
#include "ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static void extend(int64_t *until, int64_t value) {
    if (value > *until) *until = value;
}

/* "<digits>[.<digits>]" seconds -> ms, capped at CSC__RL_MAX_MS (never overflows); -1 otherwise. */
static int64_t parse_seconds(const char *s, size_t len) {
    size_t i = 0;
    int64_t ms = 0;
    if (!len || !is_digit(s[0])) return -1;
    for (; i < len && is_digit(s[i]); i++)
        if (ms <= CSC__RL_MAX_MS) ms = ms * 10 + (s[i] - '0') * 1000;
    if (i < len && s[i] == '.') {
        int64_t scale = 100;
        if (++i == len) return -1;
        for (; i < len && is_digit(s[i]); i++, scale /= 10) ms += (s[i] - '0') * scale;
    }
    if (i != len) return -1;
    return ms > CSC__RL_MAX_MS ? CSC__RL_MAX_MS : ms;
}

/* True when the ';'-separated `list` names `word`. */
static bool list_has(const char *list, size_t len, const char *word) {
    size_t wl = strlen(word);
    for (size_t a = 0; a <= len;) {
        const char *semi = memchr(list + a, ';', len - a);
        size_t b = semi ? (size_t)(semi - list) : len;
        if (b - a == wl && memcmp(list + a, word, wl) == 0) return true;
        a = b + 1;
    }
    return false;
}

/* One quota_limit, whitespace already removed: retry_after:categories[:scope[:reason_code[:namespaces]]].
 * Returns false (nothing applied) when it cannot be parsed. */
static bool apply_entry(csc__ratelimits_t *rl, const char *e, size_t len, int64_t now_ms) {
    const char *f[5];
    size_t fl[5], n = 0;
    for (size_t a = 0; n < 5;) {
        const char *colon = memchr(e + a, ':', len - a);
        size_t b = colon ? (size_t)(colon - e) : len;
        f[n] = e + a;
        fl[n++] = b - a;
        if (!colon) break;
        a = b + 1;
    }
    if (n < 2) return false; /* "50", "invalid": no categories field */
    int64_t ms = parse_seconds(f[0], fl[0]);
    if (ms < 0) return false; /* "A1", "-20", "123Garbage" */
    int64_t until = now_ms + ms;
    if (fl[1] == 0) {
        extend(&rl->all_until, until);
        return true;
    }
    for (size_t a = 0; a <= fl[1];) {
        const char *semi = memchr(f[1] + a, ';', fl[1] - a);
        size_t b = semi ? (size_t)(semi - f[1]) : fl[1];
        int idx = csc__category_index(f[1] + a, b - a); /* unknown and empty names: ignored */
        /* namespaces narrow a metric_bucket limit: it applies only when empty or naming "custom",
         * the only namespace this SDK would send. Other categories ignore the field. */
        bool narrowed = idx >= 0 && n == 5 && fl[4] && strcmp(csc__category_name(idx), "metric_bucket") == 0 &&
                        !list_has(f[4], fl[4], "custom");
        if (idx >= 0 && !narrowed) extend(&rl->until[idx], until);
        a = b + 1;
    }
    return true;
}

int csc__rl_apply_header(csc__ratelimits_t *rl, const char *header, int64_t now_ms) {
    if (!header || !*header) return 0;
    size_t hl = strlen(header), n = 0;
    char *h = malloc(hl + 1);
    if (!h) return 0;
    for (size_t i = 0; i < hl; i++) /* whitespace is ignored everywhere, even inside a token */
        if (!is_space(header[i])) h[n++] = header[i];
    int used = 0;
    for (size_t a = 0; a < n;) {
        const char *comma = memchr(h + a, ',', n - a);
        size_t b = comma ? (size_t)(comma - h) : n;
        used += apply_entry(rl, h + a, b - a, now_ms);
        a = b + 1;
    }
    free(h);
    return used;
}

/* An HTTP-date (RFC 9110 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms) as
 * seconds since the epoch, or -1. Locale-independent (strptime's %a/%b follow the host's locale). */
static int64_t http_date(const char *v) {
    static const char k_months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4] = "";
    int day = 0, year = 0, hh = 0, mm = 0, ss = 0, n = -1;
    int got = sscanf(v, "%*[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", &day, mon, &year, &hh, &mm, &ss, &n);
    if (got != 6 || n < 0) {
        n = -1;
        got = sscanf(v, "%*[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d GMT%n", &day, mon, &year, &hh, &mm, &ss, &n);
        if (got == 6 && n >= 0) year += year < 70 ? 2000 : 1900;
    }
    if (got != 6 || n < 0) {
        n = -1;
        got = sscanf(v, "%*[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", mon, &day, &hh, &mm, &ss, &year, &n);
    }
    if (got != 6 || n < 0) return -1;
    while (is_space(v[n])) n++;
    if (v[n]) return -1;
    const char *m = strlen(mon) == 3 ? strstr(k_months, mon) : NULL;
    if (!m || (m - k_months) % 3 || day < 1 || day > 31 || year < 1970 || hh > 23 || mm > 59 || ss > 60 || hh < 0 ||
        mm < 0 || ss < 0)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mon = (int)((m - k_months) / 3);
    tm.tm_mday = day;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    return (int64_t)timegm(&tm);
}

int64_t csc__rl_retry_after_ms(const char *v, int64_t wall_now_s) {
    if (!v) return -1;
    while (is_space(*v)) v++;
    if (is_digit(*v)) { /* delta-seconds; "10.20" and "10 Seconds" are 10 s (as sentry-cocoa, sentry-native) */
        size_t i = 0;
        while (is_digit(v[i])) i++;
        return parse_seconds(v, i);
    }
    int64_t at = http_date(v);
    if (at < 0) return -1;
    if (at <= wall_now_s) return 0;
    return at - wall_now_s > CSC__RL_MAX_MS / 1000 ? CSC__RL_MAX_MS : (at - wall_now_s) * 1000;
}

void csc__rl_update_at(csc__ratelimits_t *rl, long http_status, const char *rate_limits, const char *retry_after,
                       int64_t now_ms, int64_t wall_now_s) {
    if (csc__rl_apply_header(rl, rate_limits, now_ms) > 0 || http_status != 429) return;
    /* A 429 without a usable X-Sentry-Rate-Limits: Retry-After, else 60 s, for everything. */
    int64_t ms = csc__rl_retry_after_ms(retry_after, wall_now_s);
    extend(&rl->all_until, now_ms + (ms < 0 ? CSC__RL_DEFAULT_MS : ms));
}

void csc__rl_update(csc__ratelimits_t *rl, long http_status, const char *rate_limits, const char *retry_after,
                    int64_t now_ms) {
    csc__rl_update_at(rl, http_status, rate_limits, retry_after, now_ms, (int64_t)time(NULL));
}

int64_t csc__rl_until(const csc__ratelimits_t *rl, const char *category) {
    int64_t until = rl->all_until;
    int idx = category ? csc__category_index(category, strlen(category)) : -1;
    if (idx >= 0 && rl->until[idx] > until) until = rl->until[idx];
    return until;
}

bool csc__rl_limited(const csc__ratelimits_t *rl, const char *category, int64_t now_ms) {
    return csc__rl_until(rl, category) > now_ms;
}

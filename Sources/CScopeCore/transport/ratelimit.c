#ifndef _GNU_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#endif
#include "ratelimit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_RETRY_AFTER_MS 60000
#define MAX_RETRY_AFTER_MS (7LL * 24 * 3600 * 1000) /* clamp absurd values */

static void set_limit(csc__ratelimits_t *rl, const char *name, size_t len, int64_t until) {
    if (len == 0) { if (until > rl->all_until) rl->all_until = until; return; }
    /* "default" and "error" are the same data for an SDK (error events). */
    if (len == 7 && strncmp(name, "default", 7) == 0) { name = "error"; len = 5; }
    if (len >= sizeof rl->cat[0].name) return;
    for (int i = 0; i < rl->n; i++) {
        if (strlen(rl->cat[i].name) == len && strncmp(rl->cat[i].name, name, len) == 0) {
            if (until > rl->cat[i].until) rl->cat[i].until = until;
            return;
        }
    }
    int slot = rl->n;
    if (slot == CSC__RL_MAX_CATEGORIES) { /* reuse the entry that expires first */
        slot = 0;
        for (int i = 1; i < rl->n; i++) if (rl->cat[i].until < rl->cat[slot].until) slot = i;
    } else {
        rl->n++;
    }
    memcpy(rl->cat[slot].name, name, len);
    rl->cat[slot].name[len] = 0;
    rl->cat[slot].until = until;
}

/* Seconds (may be fractional) -> ms; negative when unparseable. */
static int64_t parse_seconds(const char *s, size_t len) {
    char buf[32];
    while (len && isspace((unsigned char)*s)) { s++; len--; }
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (!len || len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *end;
    double v = strtod(buf, &end);
    if (*end || !(v >= 0)) return -1;
    double ms = v * 1000.0;
    return ms > (double)MAX_RETRY_AFTER_MS ? MAX_RETRY_AFTER_MS : (int64_t)ms;
}

static void parse_rate_limits(csc__ratelimits_t *rl, const char *h, int64_t now_ms) {
    /* quota_limit ("," separated): retry_after:categories:scope:reason_code:namespaces */
    while (*h) {
        const char *end = strchr(h, ',');
        if (!end) end = h + strlen(h);
        const char *c1 = memchr(h, ':', (size_t)(end - h));
        int64_t ms = parse_seconds(h, (size_t)((c1 ? c1 : end) - h));
        if (ms < 0) ms = DEFAULT_RETRY_AFTER_MS;
        int64_t until = now_ms + ms;
        if (!c1) { set_limit(rl, "", 0, until); }
        else {
            const char *cats = c1 + 1;
            const char *cats_end = memchr(cats, ':', (size_t)(end - cats));
            if (!cats_end) cats_end = end;
            while (cats < cats_end && isspace((unsigned char)*cats)) cats++;
            if (cats == cats_end) set_limit(rl, "", 0, until);
            while (cats < cats_end) {
                const char *semi = memchr(cats, ';', (size_t)(cats_end - cats));
                if (!semi) semi = cats_end;
                const char *a = cats, *b = semi;
                while (a < b && isspace((unsigned char)*a)) a++;
                while (b > a && isspace((unsigned char)b[-1])) b--;
                if (b > a) set_limit(rl, a, (size_t)(b - a), until);
                cats = semi + (semi < cats_end);
            }
        }
        h = *end ? end + 1 : end;
    }
}

static int64_t parse_retry_after(const char *v) {
    int64_t ms = parse_seconds(v, strlen(v));
    if (ms >= 0) return ms;
    struct tm tm = {0}; /* HTTP-date, e.g. "Wed, 21 Oct 2015 07:28:00 GMT" */
    const char *end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end) {
        time_t at = timegm(&tm), now = time(NULL);
        if (at <= now) return 0;
        int64_t d = (int64_t)(at - now) * 1000;
        return d > MAX_RETRY_AFTER_MS ? MAX_RETRY_AFTER_MS : d;
    }
    return DEFAULT_RETRY_AFTER_MS;
}

void csc__rl_update(csc__ratelimits_t *rl, long http_status, const char *rate_limits, const char *retry_after, int64_t now_ms) {
    if (rate_limits && *rate_limits) parse_rate_limits(rl, rate_limits, now_ms);
    else if (http_status == 429)
        set_limit(rl, "", 0, now_ms + (retry_after && *retry_after ? parse_retry_after(retry_after) : DEFAULT_RETRY_AFTER_MS));
}

int64_t csc__rl_until(const csc__ratelimits_t *rl, const char *category) {
    int64_t until = rl->all_until;
    if (category && strcmp(category, "default") == 0) category = "error";
    for (int i = 0; category && i < rl->n; i++)
        if (strcmp(rl->cat[i].name, category) == 0 && rl->cat[i].until > until) until = rl->cat[i].until;
    return until;
}

bool csc__rl_limited(const csc__ratelimits_t *rl, const char *category, int64_t now_ms) {
    return csc__rl_until(rl, category) > now_ms;
}

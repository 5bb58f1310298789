/* Internal: Sentry rate limits (X-Sentry-Rate-Limits, Retry-After, bare 429), per data category,
 * after develop.sentry.dev's rate-limiting page. Only the worker thread touches a
 * csc__ratelimits_t. Times are monotonic milliseconds (Retry-After HTTP dates: wall seconds). */
#ifndef CSC_TRANSPORT_RATELIMIT_H
#define CSC_TRANSPORT_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "category.h"

/* Without a usable value, a 429 limits everything for this long. */
#define CSC__RL_DEFAULT_MS 60000
/* Any longer limit (header, Retry-After seconds or date) is cut to this (24 h, as sentry-native). */
#define CSC__RL_MAX_MS (24LL * 3600 * 1000)

typedef struct {
    int64_t all_until;                  /* every category */
    int64_t until[CSC__CATEGORY_COUNT]; /* by csc__category_index */
} csc__ratelimits_t;

/* Applies one response: `rate_limits` is the X-Sentry-Rate-Limits value or NULL/"",
 * `retry_after` the Retry-After value or NULL/"". Entries of the header that cannot be parsed
 * are skipped; a 429 without a usable header uses Retry-After, else limits all for 60 s. */
void csc__rl_update(csc__ratelimits_t *rl, long http_status, const char *rate_limits, const char *retry_after,
                    int64_t now_ms);
/* The same with the wall clock (seconds since the epoch, for Retry-After dates) given. */
void csc__rl_update_at(csc__ratelimits_t *rl, long http_status, const char *rate_limits, const char *retry_after,
                       int64_t now_ms, int64_t wall_now_s);
/* Applies an X-Sentry-Rate-Limits value; returns how many of its entries were usable. */
int csc__rl_apply_header(csc__ratelimits_t *rl, const char *header, int64_t now_ms);
/* A Retry-After value in ms (capped), or -1 when it is neither seconds nor an HTTP date. */
int64_t csc__rl_retry_after_ms(const char *value, int64_t wall_now_s);
/* True while `category` (a data category, e.g. "error") is limited. */
bool csc__rl_limited(const csc__ratelimits_t *rl, const char *category, int64_t now_ms);
/* The later of the "all" limit and `category`'s limit (0 when none). */
int64_t csc__rl_until(const csc__ratelimits_t *rl, const char *category);

#endif

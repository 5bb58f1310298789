/* Internal: Sentry rate limits (X-Sentry-Rate-Limits, Retry-After, bare 429), per data category.
 * Only the worker thread touches it. Times are monotonic milliseconds. */
#ifndef CSC_TRANSPORT_RATELIMIT_H
#define CSC_TRANSPORT_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define CSC__RL_MAX_CATEGORIES 24

typedef struct {
    int64_t all_until;
    struct { char name[32]; int64_t until; } cat[CSC__RL_MAX_CATEGORIES];
    int n;
} csc__ratelimits_t;

/* Applies one response: `rate_limits` is the X-Sentry-Rate-Limits value or NULL/"",
 * `retry_after` the Retry-After value or NULL/"". A 429 without either limits all categories for 60 s. */
void csc__rl_update(csc__ratelimits_t *rl, long http_status, const char *rate_limits, const char *retry_after, int64_t now_ms);
/* True while `category` (a data category, e.g. "error") is limited. */
bool csc__rl_limited(const csc__ratelimits_t *rl, const char *category, int64_t now_ms);
/* The later of the "all" limit and `category`'s limit (0 when none). */
int64_t csc__rl_until(const csc__ratelimits_t *rl, const char *category);

#endif

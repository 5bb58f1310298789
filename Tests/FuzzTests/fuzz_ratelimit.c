/* X-Sentry-Rate-Limits and Retry-After (transport/ratelimit.c). Input: a status byte, then the
 * rate-limits header and the Retry-After value separated by the first '\n'. Every limit stays
 * within [now, now + 24 h]; Retry-After is -1 or within [0, 24 h]. */
#include "fuzz_common.h"
#include "transport/ratelimit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const long statuses[] = {429, 200, 503, 413, 500, 0};
    if (!size) return 0;
    long status = statuses[data[0] % (sizeof statuses / sizeof *statuses)];
    char *s = malloc(size);
    if (!s) return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    char *retry = strchr(s, '\n');
    if (retry) *retry++ = 0;
    const int64_t now = 5000000, wall = 1764900000;
    csc__ratelimits_t rl;
    memset(&rl, 0, sizeof rl);
    csc__rl_update_at(&rl, status, s, retry, now, wall);
    FUZZ_CHECK(rl.all_until >= 0 && rl.all_until <= now + CSC__RL_MAX_MS);
    for (int i = 0; i < CSC__CATEGORY_COUNT; i++) FUZZ_CHECK(rl.until[i] >= 0 && rl.until[i] <= now + CSC__RL_MAX_MS);
    if (status == 429 && !s[0] && (!retry || !retry[0])) /* a bare 429: everything for 60 s */
        FUZZ_CHECK(rl.all_until == now + CSC__RL_DEFAULT_MS);
    (void)csc__rl_limited(&rl, "error", now);
    (void)csc__rl_limited(&rl, s, now);
    int64_t ra = csc__rl_retry_after_ms(retry ? retry : s, wall);
    FUZZ_CHECK(ra == -1 || (ra >= 0 && ra <= CSC__RL_MAX_MS));
    csc__ratelimits_t rl2;
    memset(&rl2, 0, sizeof rl2);
    int n = csc__rl_apply_header(&rl2, s, now);
    FUZZ_CHECK(n >= 0);
    free(s);
    return 0;
}

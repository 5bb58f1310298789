/*
 * test_transport_vectors: the transport's readers of outside input (X-Sentry-Rate-Limits,
 * Retry-After, the DSN, item type -> data category) fed the input -> expected pairs of the
 * other Sentry SDKs' own test suites (sentry-python, sentry-native, sentry-cocoa), plus a few
 * cases of Sentry's specs and of issue 16. Each row names the peer test it comes from; where
 * the peers disagree with each other, `note` says which one we follow and why.
 * The tables and this code are ours (written from the peers' test inputs and assertions).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#include "options/dsn.h"
#include "transport/category.h"
#include "transport/ratelimit.h"

#define NOW_MS   5000000LL    /* monotonic "now" of every rate-limit case */
#define WALL_NOW 1401667200LL /* 2014-06-02T00:00:00Z, sentry-python's NOW */

/* Runs one table row as a test case of its own (counted in "N passed, M failed"). */
#define ROW_BEGIN(name) (tl_current_case = (name), tl_checks_failed_in_case = 0)
#define ROW_END()                                                                                                      \
    (tl_checks_failed_in_case ? (tl_cases_failed++, fprintf(stderr, "FAIL %s\n", tl_current_case)) : tl_cases_passed++)

/* ------------------------------------------------------------------ rate limits */

typedef struct {
    long status;
    const char *rate_limits, *retry_after;
} response_t;

typedef struct {
    const char *source; /* the peer test (file:function) or spec the vector comes from */
    response_t resp[3]; /* applied in order; status 0 ends the list */
    /* What is limited afterwards, in seconds from now: "*=30" is every category, "error=120"
     * one category's own limit; every known category not named must have none. */
    const char *expect;
    const char *note; /* where the peers disagree: whom we follow, and why */
} rl_case_t;

#define PY_T  "sentry-python tests/test_transport.py:"
#define NA_RL "sentry-native tests/unit/test_ratelimiter.c:"
#define CO_P  "sentry-cocoa Tests/SentryTests/Networking/RateLimits/SentryRateLimitsParserTests.swift:"
#define CO_R  "sentry-cocoa Tests/SentryTests/Networking/RateLimits/SentryRetryAfterHeaderParserTests.swift:"
#define CO_D  "sentry-cocoa Tests/SentryTests/Networking/RateLimits/SentryDefaultRateLimitsTests.swift:"
#define R200(h)                                                                                                        \
    { 200, (h), NULL }
#define R429(h, ra)                                                                                                    \
    { 429, (h), (ra) }

static const rl_case_t k_rl[] = {
    /* sentry-python: _parse_rate_limits(header) and the transport's reaction to responses */
    {PY_T "test_parse_rate_limits[\"\"]", {R200("")}, "", NULL},
    {PY_T "test_parse_rate_limits[invalid]", {R200("invalid")}, "", NULL},
    {PY_T "test_parse_rate_limits[,,,]", {R200(",,,")}, "", NULL},
    {PY_T "test_parse_rate_limits[42::organization, invalid, 4711:...]",
     {R200("42::organization, invalid, 4711:foobar;transaction;security:project")},
     "*=42 transaction=4711 security=4711",
     "python keeps the unknown 'foobar'; cocoa and the spec ignore unknown categories: so do we"},
    {PY_T "test_parse_rate_limits[4711:foobar;;transaction:organization]",
     {R200("4711:foobar;;transaction:organization")},
     "transaction=4711",
     "python also keeps '' and 'foobar' as keys nothing looks up; an empty name is not 'all' for anyone"},
    {PY_T "test_simple_rate_limits", {R429(NULL, "4")}, "*=4", NULL},
    {PY_T "test_data_category_limits[200]", {R200("4711:transaction:organization")}, "transaction=4711", NULL},
    {PY_T "test_data_category_limits[429]", {R429("4711:transaction:organization", NULL)}, "transaction=4711", NULL},
    {PY_T "test_data_category_limits_reporting[200]",
     {R200("4711:transaction:organization, 4711:attachment:organization")},
     "transaction=4711 attachment=4711",
     NULL},
    {PY_T "test_data_category_limits_reporting[429]",
     {R429("4711:transaction:organization, 4711:attachment:organization", NULL)},
     "transaction=4711 attachment=4711",
     NULL},
    {PY_T "test_complex_limits_without_data_category[200]", {R200("4711::organization")}, "*=4711", NULL},
    {PY_T "test_complex_limits_without_data_category[429]", {R429("4711::organization", NULL)}, "*=4711", NULL},
    {PY_T "test_log_item_limits[200]",
     {R200("4711:log_item:organization:quota_exceeded:custom")},
     "log_item=4711",
     "namespaces only narrow metric_bucket (cocoa, spec)"},
    {PY_T "test_log_item_limits[429]",
     {R429("4711:log_item:organization:quota_exceeded:custom", NULL)},
     "log_item=4711",
     NULL},

    /* sentry-native: sentry__rate_limiter_update_from_header / _from_http_retry_after */
    {NA_RL "rate_limit_parsing",
     {R200(
         "120:error:project:reason, 60:session:foo, 30::bar, 120:invalid:invalid, 4711:foo;bar;baz;security:project")},
     "error=120 session=60 *=30 security=4711",
     "native ignores 'security' (it has no such limiter); Relay has the category, so we keep it (nothing we send uses "
     "it)"},
    {NA_RL "rate_limit_parsing (then Retry-After: 60)",
     {R200("120:error:project:reason, 60:session:foo, 30::bar, 120:invalid:invalid, 4711:foo;bar;baz;security:project"),
      R429(NULL, "60")},
     "error=120 session=60 *=60 security=4711",
     NULL},
    {NA_RL "rate_limit_retry_after (header)",
     {R200("999999999999999:error::")},
     "error=86400",
     "capped at 24 h, as native (python and cocoa do not cap)"},
    {NA_RL "rate_limit_retry_after (Retry-After)", {R429(NULL, "999999999999999")}, "*=86400", NULL},
    {NA_RL "rate_limit_parsing (an invalid entry first)",
     {R200("invalid, 60:session:foo")},
     "session=60",
     "native stops at the first entry it cannot parse; python, cocoa and the spec skip it: so do we"},

    /* sentry-cocoa: RateLimitParser */
    {CO_P "testOneQuotaOneCategory", {R200("50:transaction:key")}, "transaction=50", NULL},
    {CO_P "testIgnoreReasonCode", {R200("50:transaction:key:reason")}, "transaction=50", NULL},
    {CO_P "testOneQuotaTwoCategories", {R200("50:transaction;error:key")}, "transaction=50 error=50", NULL},
    {CO_P "testTwoQuotasMultipleCategories",
     {R200("50:transaction:key, 2700:error;default;attachment:organization")},
     "transaction=50 error=2700 default=2700 attachment=2700",
     NULL},
    {CO_P "testKeepMaximumRateLimit",
     {R200("3:transaction:key,50:transaction:key,5:transaction:key")},
     "transaction=50",
     NULL},
    {CO_P "testInvalidRetryAfter",
     {R200("A1:transaction:key, 1:default:organization, -20:B:org, 0:event:key")},
     "default=1",
     "'0:event' limits nothing: 'event' is an item type, not a category, and 0 s is no limit"},
    {CO_P "testAllCategories", {R200("1000::organization ")}, "*=1000", NULL},
    {CO_P "testOneUnknownAndOneKnownCategory", {R200("2:foobar;error:organization")}, "error=2", NULL},
    {CO_P "testOnlyUnknownCategories[foobar]", {R200("2:foobar:organization")}, "", NULL},
    {CO_P "testOnlyUnknownCategories[foobar;foo;bar]", {R200("2:foobar;foo;bar:organization")}, "", NULL},
    {CO_P "testAllKnownCategories",
     {R200("1:default;foobar;error;session;transaction;attachment;profile:organization,1::key")},
     "*=1 default=1 error=1 session=1 transaction=1 attachment=1 profile=1",
     NULL},
    {CO_P "testWhitespacesSpacesAreRemoved",
     {R200(" 67: :organization ,  10 :transa cti on; error: key")},
     "*=67 transaction=10 error=10",
     "white space is removed even inside a name, as cocoa"},
    {CO_P "testEmptyString", {R200("")}, "", NULL},
    {CO_P "testGarbageHeaders[Garb age13$@#]", {R200("Garb age13$@#")}, "", NULL},
    {CO_P "testGarbageHeaders[;;;!,  ;]", {R200(";;;!,  ;")}, "", NULL},
    {CO_P "testGarbageHeaders[  \\n\\n  ]", {R200("  \n\n  ")}, "", NULL},
    {CO_P "testGarbageHeaders[\\n\\n]", {R200("\n\n")}, "", NULL},
    {CO_P "testGarbageHeaders[50]", {R200("50")}, "", "an entry without a categories field is skipped (python, cocoa)"},
    {CO_P "testValidHeaderAndGarbage", {R200("A9813Hell,50:transaction:key,123Garbage")}, "transaction=50", NULL},

    /* sentry-cocoa: RetryAfterHeaderParser (as the only header of a 429: unusable -> 60 s) */
    {CO_R "testNil", {R429(NULL, NULL)}, "*=60", NULL},
    {CO_R "testFaulty", {R429(NULL, "ABC")}, "*=60", NULL},
    {CO_R "testEmpty", {R429(NULL, "")}, "*=60", NULL},
    {CO_R "test10Seconds", {R429(NULL, "10")}, "*=10", NULL},
    {CO_R "test10WithComma",
     {R429(NULL, "10.20")},
     "*=10",
     "leading whole seconds, as cocoa and native; python (urllib3) rejects it and waits 60 s"},
    {CO_R "testHTTPDate", {R429(NULL, "Mon, 02 Jun 2014 00:00:00 GMT")}, "", "a date now or past limits nothing"},
    {CO_R "testMalformedWithText", {R429(NULL, "10 Seconds")}, "*=10", "as cocoa and native; python: 60 s"},

    /* sentry-cocoa: DefaultRateLimits.update(response) */
    {CO_D "testRateLimitReached", {R429("1:error:key", NULL)}, "error=1", NULL},
    {CO_D "testRateLimitAndRetryHeader",
     {R429("1:transaction:key", "2")},
     "transaction=1",
     "a usable X-Sentry-Rate-Limits wins over Retry-After (all peers)"},
    {CO_D "testRetryHeaderIn503", {{503, NULL, "2"}}, "", "Retry-After counts on a 429 only"},
    {CO_D "testRetryHeaderIsLikeAllCategories", {R429("2::key", NULL), R429(NULL, "3")}, "*=3", NULL},
    {CO_D "testRetryAfterHeaderDeltaSeconds", {R429(NULL, "1")}, "*=1", NULL},
    {CO_D "testRetryAfterHeaderHttpDate", {R429(NULL, "Mon, 02 Jun 2014 00:00:01 GMT")}, "*=1", NULL},
    {CO_D "testRetryAfterHeaderIsEmpty", {R429(NULL, "")}, "*=60", NULL},
    {CO_D "testLongerRetryHeaderIsKept", {R429(NULL, "11"), R429(NULL, "10"), R429(NULL, "1")}, "*=11", NULL},
    {CO_D "testLongerRateLimitIsKept",
     {R429("11:default;error:key", NULL), R429("10:default;error:key", NULL), R429("1:default;error:key", NULL)},
     "default=11 error=11",
     NULL},
    {CO_D "testAllCategories", {R429("1::key", NULL)}, "*=1", NULL},
    {CO_D "testMetricBucket", {R429("1:metric_bucket:::custom", NULL)}, "metric_bucket=1", NULL},
    {CO_D "testMetricBucket_NoNamespace", {R429("1:metric_bucket::", NULL)}, "metric_bucket=1", NULL},
    {CO_D "testMetricBucket_EmptyNamespace", {R429("1:metric_bucket:::", NULL)}, "metric_bucket=1", NULL},
    {CO_D "testMetricBucket_NamespaceExclusivelyThanOtherCustom",
     {R429("1:metric_bucket:organization:quota_exceeded:customs;cust", NULL)},
     "",
     NULL},
    {CO_D "testMetricBucket_EmptyNamespaces", {R429("1:metric_bucket:::;", NULL)}, "", NULL},
    {CO_D "testIgnoreNamespaceForNonMetricBucket", {R429("1:error:::customs;cust", NULL)}, "error=1", NULL},
    {CO_D "testUpdate_when429WithLowercaseRateLimitHeader_shouldOnlyRateLimitGivenCategory",
     {R429("60:replay:organization:replay_usage_exceeded", NULL)},
     "replay=60",
     NULL},
    {CO_D "testUpdate_whenRateLimitHeaderCanonicalOverHTTP1_shouldOnlyRateLimitGivenCategory",
     {R200("60:replay:organization:replay_usage_exceeded")},
     "replay=60",
     NULL},
    {CO_D "testUpdate_whenRetryAfterOverHTTP2_shouldRateLimitAllCategories", {R429(NULL, "1")}, "*=1", NULL},

    /* Sentry's rate-limiting spec (develop.sentry.dev sdk/expected-features/rate-limiting) and issue 16 */
    {"issue 16: an unparsable header on a 200 limits nothing", {R200("invalid")}, "", NULL},
    {"issue 16: a 429 whose header has no usable entry: 60 s", {R429("invalid", NULL)}, "*=60", NULL},
    {"issue 16: a 429 whose header has no usable entry: its Retry-After", {R429(",,,", "5")}, "*=5", NULL},
    {"spec: a 429 whose header names only unknown categories limits nothing else", {R429("5:foobar", "9")}, "", NULL},
    {"spec: fractional seconds in the header", {R200("2.5:attachment:org")}, "attachment=2.5", NULL},
    {"spec: seconds that overflow 64 bits are capped", {R200("99999999999999999999999999:error")}, "error=86400", NULL},
    {"spec: a Retry-After date further than 24 h is capped",
     {R429(NULL, "Fri, 02 Jan 2015 00:00:00 GMT")},
     "*=86400",
     NULL},
    {"RFC 9110: Retry-After as an RFC 850 date", {R429(NULL, "Monday, 02-Jun-14 00:00:30 GMT")}, "*=30", NULL},
    {"RFC 9110: Retry-After as an asctime date", {R429(NULL, "Mon Jun  2 00:00:45 2014")}, "*=45", NULL},
    {"issue 16: default is its own category", {R200("30:default:key")}, "default=30", NULL},
    {"spec: trace_metric and log_byte are categories",
     {R200("30:trace_metric;log_byte:org")},
     "trace_metric=30 log_byte=30",
     NULL},
    {"spec: a shorter limit does not shorten a longer one", {R200("30:error"), R200("5:error")}, "error=30", NULL},
    {"spec: a 200's Retry-After is ignored", {{200, NULL, "30"}}, "", NULL},
};

/* Expected limit (ms from now) of category index `idx` (-1: every category) in `expect`. */
static int64_t expected_ms(const char *expect, int idx) {
    const char *want = idx < 0 ? "*" : csc__category_name(idx);
    size_t wl = strlen(want);
    for (const char *p = expect; *p;) {
        while (*p == ' ') p++;
        const char *eq = strchr(p, '=');
        if (!eq) break;
        if ((size_t)(eq - p) == wl && strncmp(p, want, wl) == 0) return (int64_t)(strtod(eq + 1, NULL) * 1000 + 0.5);
        p = eq + 1;
        while (*p && *p != ' ') p++;
    }
    return 0;
}

static int64_t left_ms(int64_t until) { return until > NOW_MS ? until - NOW_MS : 0; }

static void check_rl_names(const char *expect) { /* every name in `expect` is a known category */
    char name[64];
    for (const char *p = expect; *p;) {
        while (*p == ' ') p++;
        const char *eq = strchr(p, '=');
        if (!eq) break;
        size_t n = (size_t)(eq - p);
        CHECK(n < sizeof name);
        if (n >= sizeof name) return;
        memcpy(name, p, n);
        name[n] = 0;
        if (strcmp(name, "*") != 0) CHECK(csc__category_index(name, n) >= 0);
        p = eq + 1;
        while (*p && *p != ' ') p++;
    }
}

static void test_rate_limit_table(void) {
    for (size_t i = 0; i < sizeof k_rl / sizeof k_rl[0]; i++) {
        const rl_case_t *c = &k_rl[i];
        ROW_BEGIN(c->source);
        csc__ratelimits_t rl;
        memset(&rl, 0, sizeof rl);
        for (int r = 0; r < 3 && c->resp[r].status; r++)
            csc__rl_update_at(&rl, c->resp[r].status, c->resp[r].rate_limits, c->resp[r].retry_after, NOW_MS, WALL_NOW);
        check_rl_names(c->expect);
        CHECK_EQ_INT(left_ms(rl.all_until), expected_ms(c->expect, -1));
        for (int k = 0; k < CSC__CATEGORY_COUNT; k++) {
            int64_t got = left_ms(rl.until[k]), want = expected_ms(c->expect, k);
            if (got != want)
                TL_FAIL_("category %s: %lld ms != %lld ms", csc__category_name(k), (long long)got, (long long)want);
            /* what the worker asks: the later of the category's and the "all" limit */
            int64_t eff = left_ms(csc__rl_until(&rl, csc__category_name(k)));
            int64_t want_eff = want > expected_ms(c->expect, -1) ? want : expected_ms(c->expect, -1);
            CHECK_EQ_INT(eff, want_eff);
        }
        ROW_END();
    }
}

/* ------------------------------------------------------------------ DSNs */

typedef struct {
    const char *source;
    const char *dsn;
    const char *envelope_url;                             /* NULL: the DSN is rejected */
    const char *public_key, *secret_key, *org_id, *error; /* NULL: not checked; error: a part of the message */
    const char *note;
} dsn_case_t;

#define NA_U   "sentry-native tests/unit/test_utils.c:"
#define PY_G   "sentry-python tests/utils/test_general.py:"
#define CO_DSN "sentry-cocoa Tests/SentryTests/Networking/SentryDsnTests.m:"
#define CO_ORG "sentry-cocoa Tests/SentryTests/Networking/SentryDsnOrgIdTests.swift:"
#define CO_OPT "sentry-cocoa Tests/SentryTests/SentryOptionsTest.m:"
#define BAD(src, dsn, err, note)                                                                                       \
    { src, dsn, NULL, NULL, NULL, NULL, err, note }

static const dsn_case_t k_dsn[] = {
    /* sentry-native: sentry__dsn_new */
    {NA_U "dsn_parsing_complete", "http://username:password@o123456.example.com/foo/bar/42%21?x=y#z",
     "http://o123456.example.com/foo/bar/api/42%21/envelope/", "username", "password", "123456", NULL,
     "a non-numeric project id is a string (DSN spec, native, cocoa); python requires digits"},
    {NA_U "dsn_parsing_max_org_length", "http://username:password@o18446744073709551615.example.com/42%21",
     "http://o18446744073709551615.example.com/api/42%21/envelope/", "username", "password", "18446744073709551615",
     NULL, NULL},
    {NA_U "dsn_parsing_too_long_org_length", "http://username:password@o18446744073709551615123.example.com/42%21",
     "http://o18446744073709551615123.example.com/api/42%21/envelope/", "username", "password", "", NULL,
     "an org id over 64 bits is no org id, the DSN stays valid (native); python and cocoa keep any digits"},
    {NA_U "dsn_parsing_zero_id_org", "http://username:password@o0.example.com/42%21",
     "http://o0.example.com/api/42%21/envelope/", "username", "password", "0", NULL, NULL},
    {NA_U "dsn_parsing_incorrect_org", "http://username:password@orange.example.com/42%21",
     "http://orange.example.com/api/42%21/envelope/", "username", "password", "", NULL, NULL},
    {NA_U "dsn_parsing_project_id_without_path", "https://username@example.com/42%21",
     "https://example.com/api/42%21/envelope/", "username", "", "", NULL, NULL},
    {NA_U "dsn_parsing_project_id_with_path_prefix", "https://username@example.com/pathone/pathtwo/42%21",
     "https://example.com/pathone/pathtwo/api/42%21/envelope/", "username", "", "", NULL, NULL},
    BAD(NA_U "dsn_parsing_invalid[=https://...]", "=https://foo@bar.ingest.sentry.io/1234567", "scheme", NULL),
    BAD(NA_U "dsn_parsing_invalid[https://key@]", "https://key@", "missing host", NULL),
    BAD(NA_U "dsn_parsing_invalid[https://key@sentry.io]", "https://key@sentry.io", "missing project id", NULL),
    BAD(NA_U "dsn_parsing_invalid[https://sentry.io/1234567]", "https://sentry.io/1234567", "missing public key", NULL),
    {NA_U "dsn_store_url_with_path", "http://username:password@example.com/foo/bar/42?x=y#z",
     "http://example.com/foo/bar/api/42/envelope/", "username", "password", "", NULL,
     "native writes the default port (:80); we leave it out (python, cocoa): the same URL"},
    {NA_U "dsn_store_url_without_path", "http://username:password@example.com/42?x=y#z",
     "http://example.com/api/42/envelope/", NULL, NULL, NULL, NULL, NULL},
    {NA_U "dsn_store_url_custom_agent", "http://username:password@example.com/42?x=y#z",
     "http://example.com/api/42/envelope/", "username", NULL, NULL, NULL, NULL},
    {NA_U "dsn_resolve_url", "https://key@sentry.io/42", "https://sentry.io/api/42/envelope/", "key", "", "", NULL,
     NULL},
    BAD(NA_U "dsn_without_url_scheme_is_invalid", "//without-scheme-separator", "missing scheme", NULL),
    BAD(NA_U "dsn_with_non_http_scheme_is_invalid", "ftp://ftp-server/", "scheme must be http or https", NULL),
    BAD(NA_U "dsn_without_project_id_is_invalid", "https://foo@sentry.io/", "missing project id", NULL),
    {NA_U "dsn_with_ending_forward_slash_will_be_cleaned", "https://foo@sentry.io/42/43/44////",
     "https://sentry.io/42/43/api/44/envelope/", "foo", NULL, NULL, NULL,
     "trailing slashes are dropped (native, cocoa); python rejects them"},
    {NA_U "dsn_auth_header_no_user_agent", "https://key@sentry.io/42", "https://sentry.io/api/42/envelope/", "key", "",
     NULL, NULL, NULL},
    BAD(NA_U "dsn_auth_header_invalid_dsn", "whatever", "missing scheme", NULL),

    /* sentry-python: Dsn(value) */
    {PY_G "test_parse_dsn_paths[/123]", "https://foobar@sentry.io/123", "https://sentry.io/api/123/envelope/", "foobar",
     "", "", NULL, NULL},
    {PY_G "test_parse_dsn_paths[/bam/123]", "https://foobar@sentry.io/bam/123",
     "https://sentry.io/bam/api/123/envelope/", NULL, NULL, NULL, NULL, NULL},
    {PY_G "test_parse_dsn_paths[/bam/baz/123]", "https://foobar@sentry.io/bam/baz/123",
     "https://sentry.io/bam/baz/api/123/envelope/", NULL, NULL, NULL, NULL, NULL},
    {PY_G "test_parse_dsn_org_id[sentry.io]", "https://foobar@sentry.io/123", "https://sentry.io/api/123/envelope/",
     NULL, NULL, "", NULL, NULL},
    {PY_G "test_parse_dsn_org_id[o1234.ingest.sentry.io]", "https://foobar@o1234.ingest.sentry.io/123",
     "https://o1234.ingest.sentry.io/api/123/envelope/", NULL, NULL, "1234", NULL, NULL},
    BAD(PY_G "test_parse_invalid_dsn (its one parameter: five adjacent literals, concatenated)",
        "https://foobar@sentry.iohttps://foobar@sentry.io/https://foobar@sentry.io/asdfhttps://foobar@sentry.io/asdf/"
        "https://foobar@sentry.io/asdf/123/",
        "invalid port", NULL),
    BAD(PY_G "test_parse_invalid_dsn (literal 1)", "https://foobar@sentry.io", "missing project id", NULL),
    BAD(PY_G "test_parse_invalid_dsn (literal 2)", "https://foobar@sentry.io/", "missing project id", NULL),
    {PY_G "test_parse_invalid_dsn (literal 3)", "https://foobar@sentry.io/asdf", "https://sentry.io/api/asdf/envelope/",
     NULL, NULL, NULL, NULL,
     "python rejects a non-numeric project id; the DSN spec (every segment a string), native and cocoa accept it: so "
     "do we"},
    {PY_G "test_parse_invalid_dsn (literal 4)", "https://foobar@sentry.io/asdf/",
     "https://sentry.io/api/asdf/envelope/", NULL, NULL, NULL, NULL,
     "python rejects; trailing slash dropped as native"},
    {PY_G "test_parse_invalid_dsn (literal 5)", "https://foobar@sentry.io/asdf/123/",
     "https://sentry.io/asdf/api/123/envelope/", NULL, NULL, NULL, NULL,
     "python rejects; trailing slash dropped as native"},
    BAD(PY_G "test_dsn_validations[foo://]", "foo://barbaz@sentry.io", "scheme must be http or https", NULL),
    BAD(PY_G "test_dsn_validations[https://foobar@]", "https://foobar@", "missing host", NULL),
    BAD(PY_G "test_dsn_validations[https://@sentry.io]", "https://@sentry.io", "missing public key", NULL),

    /* sentry-cocoa: SentryDsn(string:) and SentryOptions(dsn:) */
    BAD(CO_DSN "testMissingUsernamePassword", "https://sentry.io", "missing public key", NULL),
    BAD(CO_DSN "testMissingScheme", "https://sentry.io", NULL, NULL),
    BAD(CO_DSN "testMissingHost", "http:///1", NULL, NULL),
    BAD(CO_DSN "testUnsupportedProtocol", "ftp://sentry.io/1", "scheme", NULL),
    {CO_DSN "testGetEnvelopeUrl[getsentry.net/1]", "https://username:password@getsentry.net/1",
     "https://getsentry.net/api/1/envelope/", "username", "password", "", NULL, NULL},
    {CO_DSN "testGetEnvelopeUrl[sentry.io/foo/bar/baz/1]", "https://username:password@sentry.io/foo/bar/baz/1",
     "https://sentry.io/foo/bar/baz/api/1/envelope/", NULL, NULL, NULL, NULL, NULL},
    BAD(CO_DSN "testInitWithInvalidString", "This is invalid DSN", "white space", NULL),
    {CO_ORG "testOrgId_whenHostHasOrgPrefix_shouldExtractOrgId", "https://key@o123.ingest.sentry.io/456",
     "https://o123.ingest.sentry.io/api/456/envelope/", "key", "", "123", NULL, NULL},
    {CO_ORG "testOrgId_whenHostHasSingleDigitOrgPrefix_shouldExtractOrgId", "https://key@o1.ingest.us.sentry.io/456",
     "https://o1.ingest.us.sentry.io/api/456/envelope/", NULL, NULL, "1", NULL, NULL},
    {CO_ORG "testOrgId_whenHostHasLargeOrgId_shouldExtractOrgId", "https://key@o447951.ingest.sentry.io/5428557",
     "https://o447951.ingest.sentry.io/api/5428557/envelope/", NULL, NULL, "447951", NULL, NULL},
    {CO_ORG "testOrgId_whenHostHasNoOrgPrefix_shouldReturnNil", "https://key@sentry.io/456",
     "https://sentry.io/api/456/envelope/", NULL, NULL, "", NULL, NULL},
    {CO_ORG "testOrgId_whenHostIsLocalhost_shouldReturnNil", "http://key@localhost:9000/456",
     "http://localhost:9000/api/456/envelope/", NULL, NULL, "", NULL, NULL},
    {CO_ORG "testOrgId_whenHostHasNonNumericOrgPrefix_shouldReturnNil", "https://key@oabc.ingest.sentry.io/456",
     "https://oabc.ingest.sentry.io/api/456/envelope/", NULL, NULL, "", NULL, NULL},
    {CO_ORG "testOrgId_whenHostIsCustomDomain_shouldReturnNil", "https://key@app.getsentry.com/12345",
     "https://app.getsentry.com/api/12345/envelope/", NULL, NULL, "", NULL, NULL},
    BAD(CO_OPT "testEmptyDsn", "", "empty DSN", NULL),
    BAD(CO_OPT "testInvalidDsn", "https://sentry.io", NULL, NULL),
    {CO_OPT "testSetValidDsn", "https://username:password@sentry.io/1", "https://sentry.io/api/1/envelope/", "username",
     "password", "", NULL, NULL},
    BAD(CO_OPT "testSetInvalidValidDsn", "https://username:passwordsentry.io/1", "missing public key", NULL),
    BAD(CO_OPT "testInvalidDsnViaEnvironment", "foo_bar", "missing scheme", NULL),
    {CO_OPT "testDsnViaEnvironment", "https://username:password@sentry.io/1", "https://sentry.io/api/1/envelope/", NULL,
     NULL, NULL, NULL, NULL},

    /* Sentry's DSN spec (develop.sentry.dev sdk/overview#parsing-the-dsn) and issue 16 */
    {"issue 16: a query string is ignored", "https://key@host/42?x=y", "https://host/api/42/envelope/", "key", "", "",
     NULL, NULL},
    {"DSN spec: a fragment is ignored", "https://key@host/42#frag", "https://host/api/42/envelope/", NULL, NULL, NULL,
     NULL, NULL},
    {"DSN spec: a query holding '/' and '@' is ignored", "https://key@host/7?next=/a@b", "https://host/api/7/envelope/",
     "key", NULL, NULL, NULL, NULL},
    {"issue 16: an IPv6 host with a port", "https://key@[::1]:9000/42", "https://[::1]:9000/api/42/envelope/", "key",
     NULL, "", NULL, NULL},
    {"issue 16: an IPv6 host without a port", "http://key@[2001:db8::1]/3", "http://[2001:db8::1]/api/3/envelope/",
     NULL, NULL, NULL, NULL, NULL},
    {"DSN spec: an explicit default port is left out", "https://key@host:443/5", "https://host/api/5/envelope/", NULL,
     NULL, NULL, NULL, NULL},
    {"DSN spec: the scheme in any case", "HTTPS://key@host/5", "https://host/api/5/envelope/", NULL, NULL, NULL, NULL,
     NULL},
    {"issue 16: surrounding white space (a pasted line) is trimmed", "  https://key@host/5\n",
     "https://host/api/5/envelope/", NULL, NULL, NULL, NULL, NULL},
    BAD("issue 16: port 0", "https://key@host:0/1", "invalid port", NULL),
    BAD("issue 16: port 65536", "https://key@host:65536/1", "invalid port", NULL),
    BAD("issue 16: a port that is not a number", "https://key@host:80a/1", "invalid port", NULL),
    BAD("issue 16: an unterminated IPv6 host", "https://key@[::1/1", "IPv6", NULL),
    BAD("issue 16: an empty IPv6 host", "https://key@[]/1", "missing host", NULL),
    BAD("issue 16: text after an IPv6 host", "https://key@[::1]x/1", "invalid host", NULL),
    BAD("issue 16: an empty port", "https://key@host:/1", "invalid port", NULL),
    BAD("issue 16: white space inside", "https://key@host/4 2", "white space", NULL),
    BAD("issue 16: a project id that would break the URL", "https://key@host/4\"2", "project id", NULL),
    BAD("issue 16: only a query after the host", "https://key@host?x=/1", "missing project id", NULL),
};

static void test_dsn_table(void) {
    for (size_t i = 0; i < sizeof k_dsn / sizeof k_dsn[0]; i++) {
        const dsn_case_t *c = &k_dsn[i];
        ROW_BEGIN(c->source);
        csc__dsn_t d;
        const char *err = "unset";
        bool ok = csc__dsn_parse(c->dsn, &d, &err);
        if (c->envelope_url) {
            if (!ok) TL_FAIL_("'%s' rejected: %s", c->dsn, err ? err : "(null)");
            CHECK(d.valid && err == NULL);
            CHECK_STR(d.envelope_url, c->envelope_url);
            if (c->public_key) CHECK_STR(d.public_key, c->public_key);
            if (c->secret_key) CHECK_STR(d.secret_key, c->secret_key);
            if (c->org_id) CHECK_STR(d.org_id, c->org_id);
        } else {
            if (ok) TL_FAIL_("'%s' accepted as %s", c->dsn, d.envelope_url);
            CHECK(!d.valid && err && *err);
            if (c->error && err) CHECK(strstr(err, c->error) != NULL);
        }
        ROW_END();
    }
}

/* ------------------------------------------------------------------ item types -> data categories */

typedef struct {
    const char *source, *item_type, *category, *secondary;
} cat_case_t;

#define PY_E   "sentry-python tests/test_envelope.py:test_envelope_item_data_category_mapping"
#define SPEC_C "develop.sentry.dev sdk/expected-features/rate-limiting + sdk/telemetry/client-reports"

static const cat_case_t k_cat[] = {
    {PY_E "[event]", "event", "error", NULL},
    {PY_E "[transaction]", "transaction", "transaction", "span"},
    {PY_E "[log]", "log", "log_item", "log_byte"},
    {PY_E "[session]", "session", "session", NULL},
    {PY_E "[attachment]", "attachment", "attachment", NULL},
    {PY_E "[client_report]", "client_report", "internal", NULL},
    {PY_E "[profile]", "profile", "profile", NULL},
    {PY_E "[profile_chunk]", "profile_chunk", "profile_chunk", NULL},
    {PY_E "[check_in]", "check_in", "monitor", NULL},
    {PY_E "[unknown_type]", "unknown_type", "default", NULL},
    {SPEC_C " [sessions]", "sessions", "session", NULL},
    {SPEC_C " [trace_metric]", "trace_metric", "trace_metric", NULL},
    {SPEC_C " [replay_video]", "replay_video", "replay", NULL},
    {SPEC_C " [replay_event]", "replay_event", "replay", NULL},
    {SPEC_C " [replay_recording]", "replay_recording", "replay", NULL},
    {SPEC_C " [span]", "span", "span", NULL},
    {SPEC_C " [statsd]", "statsd", "metric_bucket", NULL},
    {SPEC_C " [feedback]", "feedback", "feedback", NULL},
    {"issue 16: an unknown type never inherits the error limit [user_report]", "user_report", "default", NULL},
    {"issue 16: no type at all", NULL, "default", NULL},
};

static void test_category_table(void) {
    for (size_t i = 0; i < sizeof k_cat / sizeof k_cat[0]; i++) {
        const cat_case_t *c = &k_cat[i];
        ROW_BEGIN(c->source);
        CHECK_STR(csc__item_category(c->item_type), c->category);
        const char *sec = csc__item_secondary_category(c->item_type);
        if (c->secondary)
            CHECK_STR(sec, c->secondary);
        else
            CHECK(sec == NULL);
        int idx = csc__category_index(c->category, strlen(c->category)); /* every mapped category is known */
        CHECK(idx >= 0);
        CHECK_STR(csc__category_name(idx), c->category);
        if (c->secondary) CHECK(csc__category_index(c->secondary, strlen(c->secondary)) >= 0);
        /* a limit on "error" never touches it unless it is an error */
        csc__ratelimits_t rl;
        memset(&rl, 0, sizeof rl);
        csc__rl_update_at(&rl, 200, "60:error", NULL, NOW_MS, WALL_NOW);
        CHECK_EQ_INT(csc__rl_limited(&rl, csc__item_category(c->item_type), NOW_MS), strcmp(c->category, "error") == 0);
        ROW_END();
    }
}

/* ------------------------------------------------------------------ the parsers' edges */

static void test_parser_edges(void) {
    /* bounded: a long header of garbage and of valid entries */
    size_t n = 1 << 20;
    char *h = malloc(n + 1);
    CHECK(h != NULL);
    if (h) {
        for (size_t i = 0; i < n; i++) h[i] = "1:x;,: \t"[i % 8];
        h[n] = 0;
        csc__ratelimits_t rl;
        memset(&rl, 0, sizeof rl);
        CHECK_EQ_INT(csc__rl_apply_header(&rl, h, NOW_MS), 1); /* only the first "1:x;" is usable (unknown category) */
        CHECK(!csc__rl_limited(&rl, "error", NOW_MS));
        free(h);
    }
    csc__ratelimits_t rl;
    memset(&rl, 0, sizeof rl);
    CHECK_EQ_INT(csc__rl_apply_header(&rl, NULL, NOW_MS), 0);
    CHECK_EQ_INT(csc__rl_apply_header(&rl, "1:error, 2:, x, 3:foo", NOW_MS), 3);
    CHECK_EQ_INT(csc__rl_retry_after_ms(NULL, WALL_NOW), -1);
    CHECK_EQ_INT(csc__rl_retry_after_ms("-1", WALL_NOW), -1);
    CHECK_EQ_INT(csc__rl_retry_after_ms("Mon, 02 Jun 2014 00:00:01 GMT trailing", WALL_NOW), -1);
    CHECK_EQ_INT(csc__rl_retry_after_ms("1.", WALL_NOW), 1000);
    const char *bad_dates[] = {"Mon, 32 Jun 2014 00:00:00 GMT", "Mon, 02 Foo 2014 00:00:00 GMT",
                               "Mon, 02 Jun 2014 00:00:00 UTC", "Mon, 02 une 2014 00:00:00 GMT",
                               "Mon, 02 Jun 1969 00:00:00 GMT", "Mon, 02 Jun 2014 24:00:00 GMT",
                               "Mon, 02 Jun 2014 00:00 GMT",    "Monday, 02-Jun-2014 00:00:30 GMT",
                               "Mon Jun  2 00:00:45",           "GMT"};
    for (size_t i = 0; i < sizeof bad_dates / sizeof *bad_dates; i++)
        if (csc__rl_retry_after_ms(bad_dates[i], WALL_NOW) != -1) TL_FAIL_("Retry-After '%s' accepted", bad_dates[i]);
    CHECK_EQ_INT(csc__rl_retry_after_ms("Mon, 02 Jun 2014 00:01:00 GMT  ", WALL_NOW), 60000);
    CHECK(!csc__rl_limited(&rl, NULL, NOW_MS + 5000));
    CHECK(csc__category_name(-1) == NULL && csc__category_name(CSC__CATEGORY_COUNT) == NULL);
    CHECK(csc__category_index(NULL, 0) == -1);
    /* DSN: NULL, long parts */
    csc__dsn_t d;
    const char *err = NULL;
    CHECK(!csc__dsn_parse(NULL, &d, &err) && err);
    char big[1200];
    snprintf(big, sizeof big, "https://k@h/%0600d", 1);
    CHECK(!csc__dsn_parse(big, &d, &err) && err && strstr(err, "too long"));
    const char *too_long[] = {"https://%0200d@h/1", "https://k:%0200d@h/1", "https://k@h%0300d/1",
                              "https://k@h/%0300d/1"};
    for (size_t i = 0; i < sizeof too_long / sizeof *too_long; i++) {
        snprintf(big, sizeof big, too_long[i], 1);
        if (csc__dsn_parse(big, &d, &err) || !err || !strstr(err, "too long"))
            TL_FAIL_("'%.40s...' not refused as too long", big);
    }
}

int main(void) {
    test_rate_limit_table();
    test_dsn_table();
    test_category_table();
    RUN(test_parser_edges);
    printf("rate-limit rows %zu, DSN rows %zu, item-type rows %zu\n", sizeof k_rl / sizeof k_rl[0],
           sizeof k_dsn / sizeof k_dsn[0], sizeof k_cat / sizeof k_cat[0]);
    return TL_DONE();
}

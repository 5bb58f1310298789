/* DSN parsing, after develop.sentry.dev's DSN spec and the peers' test vectors:
 * {scheme}://{public_key}[:{secret}]@{host}[:{port}]{/path}/{project_id}[/...][?query][#fragment]
 * - scheme http or https (any case); surrounding white space is trimmed, inner is an error;
 * - a query string and a fragment are ignored;
 * - host: a name, an IPv4 address or a bracketed IPv6 literal, with an optional port;
 * - project_id: the last non-empty path segment, a string of URL-safe characters taken
 *   verbatim (not only digits); trailing slashes are dropped ("/42/" is "/42");
 * - org_id from a host o{digits}.…, only when it fits in 64 bits (else none, as sentry-native). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn.h"

static bool copy_part(char *dst, size_t cap, const char *s, size_t n) {
    if (n >= cap) return false;
    memcpy(dst, s, n);
    dst[n] = 0;
    return true;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
/* unreserved or '%' (pct-encoded), the characters a project id may have */
static bool is_segment_char(char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '%'; }

static const char *rmemchr(const char *s, char c, size_t n) {
    while (n--)
        if (s[n] == c) return s + n;
    return NULL;
}

/* org id of a host "o{digits}.…" into out->org_id, when the digits fit in a uint64. */
static void take_org_id(csc__dsn_t *out) {
    const char *h = out->host;
    size_t i = 1;
    if (h[0] != 'o') return;
    while (is_digit(h[i])) i++;
    size_t n = i - 1;
    if (n == 0 || h[i] != '.') return;
    static const char k_max[] = "18446744073709551615"; /* UINT64_MAX */
    size_t z = 0;
    while (z + 1 < n && h[1 + z] == '0') z++; /* leading zeros do not count */
    size_t sig = n - z;
    if (sig > sizeof k_max - 1 || (sig == sizeof k_max - 1 && memcmp(h + 1 + z, k_max, sig) > 0)) return;
    copy_part(out->org_id, sizeof out->org_id, h + 1, n);
}

bool csc__dsn_parse(const char *dsn, csc__dsn_t *out, const char **err) {
    memset(out, 0, sizeof *out);
    const char *e = NULL;
#define FAIL(msg)                                                                                                      \
    do {                                                                                                               \
        e = (msg);                                                                                                     \
        goto fail;                                                                                                     \
    } while (0)
    if (!dsn) FAIL("empty DSN");
    while (is_ws(*dsn)) dsn++;
    size_t len = strlen(dsn);
    while (len && is_ws(dsn[len - 1])) len--;
    if (!len) FAIL("empty DSN");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)dsn[i] <= 0x20 || dsn[i] == 0x7f) FAIL("DSN contains white space or control characters");
    const char *p = strstr(dsn, "://");
    if (!p || p >= dsn + len) FAIL("missing scheme");
    size_t sl = (size_t)(p - dsn);
    if (sl == 4 && !strncasecmp(dsn, "http", 4))
        strcpy(out->scheme, "http");
    else if (sl == 5 && !strncasecmp(dsn, "https", 5))
        strcpy(out->scheme, "https");
    else
        FAIL("scheme must be http or https");
    p += 3;
    const char *end = dsn + len;
    for (const char *q = p; q < end; q++)
        if (*q == '?' || *q == '#') {
            end = q;
            break;
        } /* query and fragment: ignored */
    const char *auth_end = memchr(p, '/', (size_t)(end - p));
    if (!auth_end) auth_end = end;
    const char *at = rmemchr(p, '@', (size_t)(auth_end - p));
    if (!at) FAIL("missing public key");
    const char *colon = memchr(p, ':', (size_t)(at - p));
    const char *key_end = colon ? colon : at;
    if (key_end == p) FAIL("missing public key");
    if (!copy_part(out->public_key, sizeof out->public_key, p, (size_t)(key_end - p))) FAIL("public key too long");
    if (colon && !copy_part(out->secret_key, sizeof out->secret_key, colon + 1, (size_t)(at - colon - 1)))
        FAIL("secret key too long");
    const char *host = at + 1, *host_end;
    if (host < auth_end && *host == '[') { /* IPv6 literal */
        host_end = memchr(host, ']', (size_t)(auth_end - host));
        if (!host_end) FAIL("unterminated IPv6 host");
        if (host_end == host + 1) FAIL("missing host");
        host_end++;
    } else {
        host_end = memchr(host, ':', (size_t)(auth_end - host));
        if (!host_end) host_end = auth_end;
    }
    if (host_end == host) FAIL("missing host");
    if (!copy_part(out->host, sizeof out->host, host, (size_t)(host_end - host))) FAIL("host too long");
    out->port = strcmp(out->scheme, "https") == 0 ? 443 : 80;
    bool explicit_port = false;
    if (host_end < auth_end) {
        if (*host_end != ':') FAIL("invalid host");
        long port = 0;
        const char *d = host_end + 1;
        if (d == auth_end) FAIL("invalid port");
        for (; d < auth_end; d++) {
            if (!is_digit(*d)) FAIL("invalid port");
            port = port * 10 + (*d - '0');
            if (port > 65535) FAIL("invalid port");
        }
        if (port == 0) FAIL("invalid port");
        out->port = (int)port;
        explicit_port = true;
    }
    const char *path = auth_end;
    if (path == end) FAIL("missing project id");
    const char *path_end = end;
    while (path_end > path && path_end[-1] == '/') path_end--; /* trailing slashes: dropped */
    const char *last = rmemchr(path, '/', (size_t)(path_end - path));
    if (!last || last + 1 == path_end) FAIL("missing project id");
    const char *proj = last + 1;
    for (const char *c = proj; c < path_end; c++)
        if (!is_segment_char(*c)) FAIL("invalid character in project id");
    if (!copy_part(out->project_id, sizeof out->project_id, proj, (size_t)(path_end - proj)))
        FAIL("project id too long");
    if (!copy_part(out->path, sizeof out->path, path, (size_t)(last - path) + 1)) FAIL("path too long");
    take_org_id(out);
    bool default_port =
        (out->port == 443 && !strcmp(out->scheme, "https")) || (out->port == 80 && !strcmp(out->scheme, "http"));
    int n;
    if (explicit_port && !default_port)
        n = snprintf(out->envelope_url, sizeof out->envelope_url, "%s://%s:%d%sapi/%s/envelope/", out->scheme,
                     out->host, out->port, out->path, out->project_id);
    else
        n = snprintf(out->envelope_url, sizeof out->envelope_url, "%s://%s%sapi/%s/envelope/", out->scheme, out->host,
                     out->path, out->project_id);
    if (n < 0 || (size_t)n >= sizeof out->envelope_url) FAIL("DSN too long");
    out->valid = true;
    if (err) *err = NULL;
    return true;
fail:
    memset(out, 0, sizeof *out);
    if (err) *err = e;
    return false;
#undef FAIL
}

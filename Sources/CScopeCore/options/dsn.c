/* DSN parsing: {scheme}://{public_key}[:{secret}]@{host}[:{port}]{/path}/{project_id} */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"

static bool copy_part(char *dst, size_t cap, const char *s, size_t n) {
    if (n >= cap) return false;
    memcpy(dst, s, n);
    dst[n] = 0;
    return true;
}

bool csc__dsn_parse(const char *dsn, csc__dsn_t *out, const char **err) {
    memset(out, 0, sizeof *out);
    const char *e = NULL;
#define FAIL(msg) do { e = (msg); goto fail; } while (0)
    if (!dsn || !*dsn) FAIL("empty DSN");
    const char *p = strstr(dsn, "://");
    if (!p) FAIL("missing scheme");
    size_t sl = (size_t)(p - dsn);
    if (sl == 4 && !strncmp(dsn, "http", 4)) strcpy(out->scheme, "http");
    else if (sl == 5 && !strncmp(dsn, "https", 5)) strcpy(out->scheme, "https");
    else FAIL("scheme must be http or https");
    p += 3;
    const char *at = strchr(p, '@');
    const char *slash = strchr(p, '/');
    if (!at || (slash && at > slash)) FAIL("missing public key");
    const char *colon = memchr(p, ':', (size_t)(at - p));
    const char *key_end = colon ? colon : at;
    if (key_end == p) FAIL("missing public key");
    if (!copy_part(out->public_key, sizeof out->public_key, p, (size_t)(key_end - p))) FAIL("public key too long");
    if (colon && !copy_part(out->secret_key, sizeof out->secret_key, colon + 1, (size_t)(at - colon - 1))) FAIL("secret key too long");
    const char *host = at + 1;
    const char *host_end = host;
    if (*host == '[') { /* IPv6 literal */
        host_end = strchr(host, ']');
        if (!host_end) FAIL("unterminated IPv6 host");
        host_end++;
    } else {
        while (*host_end && *host_end != ':' && *host_end != '/') host_end++;
    }
    if (host_end == host) FAIL("missing host");
    if (!copy_part(out->host, sizeof out->host, host, (size_t)(host_end - host))) FAIL("host too long");
    out->port = strcmp(out->scheme, "https") == 0 ? 443 : 80;
    bool explicit_port = false;
    p = host_end;
    if (*p == ':') {
        char *end;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port <= 0 || port > 65535 || (*end && *end != '/')) FAIL("invalid port");
        out->port = (int)port;
        explicit_port = true;
        p = end;
    }
    if (*p != '/') FAIL("missing project id");
    const char *last = strrchr(p, '/');
    const char *proj = last + 1;
    size_t pl = strlen(proj);
    while (pl && proj[pl - 1] == '/') pl--;
    if (pl == 0) FAIL("missing project id");
    for (size_t i = 0; i < pl; i++)
        if (proj[i] < '0' || proj[i] > '9') FAIL("project id must be a number");
    while (pl > 1 && *proj == '0') { proj++; pl--; }
    if (!copy_part(out->project_id, sizeof out->project_id, proj, pl)) FAIL("project id too long");
    if (!copy_part(out->path, sizeof out->path, p, (size_t)(last - p) + 1)) FAIL("path too long");
    if (out->host[0] == 'o') {
        size_t i = 1;
        while (out->host[i] >= '0' && out->host[i] <= '9') i++;
        if (i > 1 && out->host[i] == '.') copy_part(out->org_id, sizeof out->org_id, out->host + 1, i - 1);
    }
    bool default_port = (out->port == 443 && !strcmp(out->scheme, "https")) || (out->port == 80 && !strcmp(out->scheme, "http"));
    if (explicit_port && !default_port)
        snprintf(out->envelope_url, sizeof out->envelope_url, "%s://%s:%d%sapi/%s/envelope/", out->scheme, out->host, out->port, out->path, out->project_id);
    else
        snprintf(out->envelope_url, sizeof out->envelope_url, "%s://%s%sapi/%s/envelope/", out->scheme, out->host, out->path, out->project_id);
    out->valid = true;
    if (err) *err = NULL;
    return true;
fail:
    memset(out, 0, sizeof *out);
    if (err) *err = e;
    return false;
#undef FAIL
}

/* DSN strings (options/dsn.c): whatever the text, the parser returns, every field is a
 * terminated string within its buffer, and a valid DSN gives a usable envelope URL. */
#include "fuzz_common.h"
#include "options/dsn.h"

#define TERMINATED(f) FUZZ_CHECK(memchr((f), 0, sizeof(f)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = 0;
    csc__dsn_t d;
    memset(&d, 0xAA, sizeof d); /* garbage in: the parser must not rely on a zeroed struct */
    const char *err = NULL;
    bool ok = csc__dsn_parse(s, &d, &err);
    FUZZ_CHECK(ok == d.valid);
    if (ok) {
        TERMINATED(d.scheme);
        TERMINATED(d.public_key);
        TERMINATED(d.secret_key);
        TERMINATED(d.host);
        TERMINATED(d.path);
        TERMINATED(d.project_id);
        TERMINATED(d.org_id);
        TERMINATED(d.envelope_url);
        FUZZ_CHECK(!strcmp(d.scheme, "http") || !strcmp(d.scheme, "https"));
        FUZZ_CHECK(d.public_key[0] && d.host[0] && d.project_id[0]);
        FUZZ_CHECK(d.port > 0 && d.port <= 65535);
        FUZZ_CHECK(d.path[0] == '/' && d.path[strlen(d.path) - 1] == '/');
        FUZZ_CHECK(!strncmp(d.envelope_url, d.scheme, strlen(d.scheme)));
        FUZZ_CHECK(strstr(d.envelope_url, "/envelope/") != NULL);
        /* the URL goes into an HTTP request: no white space or control characters */
        for (const char *p = d.envelope_url; *p; p++) FUZZ_CHECK((unsigned char)*p > 0x20 && *p != 0x7f);
    } else {
        FUZZ_CHECK(err != NULL);
    }
    /* the public path as well: a bad DSN is refused, never half-stored */
    csc_options_t *o = csc_options_new();
    if (o) {
        int rc = csc_options_set_dsn(o, s);
        FUZZ_CHECK(rc <= CSC_TRUNCATED_AND_REPAIRED);
        csc_options_free(o);
    }
    free(s);
    return 0;
}

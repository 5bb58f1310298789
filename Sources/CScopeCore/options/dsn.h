/* Internal: DSN parsing ({proto}://{key}[:{secret}]@{host}[:{port}]{path}/{project}[?query][#fragment]; see dsn.c). */
#ifndef CSC_DSN_H
#define CSC_DSN_H

#include <stdbool.h>

typedef struct csc__dsn_s {
    bool valid;
    char scheme[8]; /* "http" | "https" */
    char public_key[128];
    char secret_key[128]; /* "" when absent */
    char host[256];
    int port;               /* explicit or 443/80 */
    char path[256];         /* prefix with trailing '/', "/" at least */
    char project_id[64];    /* the last path segment, verbatim (a string, not only digits) */
    char org_id[32];        /* from a host like o123.ingest.sentry.io, or "" */
    char envelope_url[768]; /* {scheme}://{host[:port]}{path}api/{project}/envelope/ */
} csc__dsn_t;

/* Parses `dsn`. On failure `out->valid` is false and a reason is written to err (may be NULL). */
bool csc__dsn_parse(const char *dsn, csc__dsn_t *out, const char **err);

#endif

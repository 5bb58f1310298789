/* Internal: Sentry's databag limits (depth 5, breadth 10) applied like the
 * Python SDK's serializer, with the matching `_meta` annotations. */
#ifndef CSC_DATABAG_H
#define CSC_DATABAG_H

#include "support/util.h"

#define CSC_DATABAG_DEPTH 5

/* Returns `v` trimmed to `depth` levels and CSC_MAX_DATABAG_BREADTH entries
 * per container (a new reference; `v` itself when nothing needs trimming).
 * Values at depth 0 become their Python-repr text, as the Python SDK sends them.
 * Annotations are added to *meta (created on demand). */
json_t *csc__databag_trim(json_t *v, int depth, json_t **meta);
/* Python repr() of a JSON value ("{'a': 1}", "'x'", "True", "None"). Caller frees. */
char *csc__python_repr(const json_t *v);

#endif

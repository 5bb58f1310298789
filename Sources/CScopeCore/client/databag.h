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
/* The Python SDK's max_value_length (sentry_sdk.utils.strip_string): every string value longer
 * than `max` UTF-8 bytes becomes its first max-3 bytes (cut back to a character boundary) + "...",
 * annotated {"": {"len": bytes, "rem": [["!limit", "x", max-3, max]]}} at its path in *meta.
 * Keys are left alone, and so are spans[i].description (as Python), timestamps (datetimes in
 * Python) and the event_id (Python cuts it under 35 bytes; the envelope needs it). Returns a new value when
 * something was cut (containers on the way are shallow copies: `v` and what it shares with the
 * scopes are never changed), NULL when nothing was. `max` >= 3. */
json_t *csc__strip_strings(json_t *v, size_t max, json_t **meta);
/* Python repr() of a JSON value ("{'a': 1}", "'x'", "True", "None"). Caller frees. */
char *csc__python_repr(const json_t *v);

#endif

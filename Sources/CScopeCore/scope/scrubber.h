/* Internal: the default data scrubber (the Python SDK's EventScrubber denylist). */
#ifndef CSC_SCRUBBER_H
#define CSC_SCRUBBER_H

#include "support/util.h"

/* True if `key` (case-insensitive) is on the default denylist (incl. PII keys). */
bool csc__scrub_key(const char *key, size_t len);
/* {"": {"rem": [["!config", "s"]]}} */
json_t *csc__scrub_meta(void);
/* Scrubs an object's keys in place, recording `_meta` entries into *meta (created on demand). */
void csc__scrub_object(json_t *obj, json_t **meta);

#endif

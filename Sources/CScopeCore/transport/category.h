/* Internal: Sentry data categories (rate limits, client reports) and the envelope item
 * type -> category map, after develop.sentry.dev's rate-limiting and client-reports pages
 * and Relay's DataCategory. */
#ifndef CSC_TRANSPORT_CATEGORY_H
#define CSC_TRANSPORT_CATEGORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The data categories the SDK knows (index space of csc__category_index). A rate limit
 * on any other name is ignored, as the rate-limiting spec asks. */
#define CSC__CATEGORY_COUNT 20

/* Index (0 .. CSC__CATEGORY_COUNT-1) of the known category `name` (`len` bytes), or -1. */
int csc__category_index(const char *name, size_t len);
/* Name of the known category at `index`, or NULL. */
const char *csc__category_name(int index);

/* "event" -> "error", "transaction" -> "transaction", "attachment" -> "attachment",
 * "session"/"sessions" -> "session", "client_report" -> "internal", "log" -> "log_item",
 * "replay_video" -> "replay", "trace_metric" -> "trace_metric", ...; an unknown or NULL
 * type -> "default" (its own category, never "error"). Never NULL. */
const char *csc__item_category(const char *item_type);
/* The second category a lost item also counts in for client reports ("transaction" ->
 * "span", "log" -> "log_byte"), or NULL. Lost transactions count their spans + 1 here. */
const char *csc__item_secondary_category(const char *item_type);
/* Quantity an item counts for in client reports: bytes for attachments, else 1. */
uint64_t csc__item_quantity(const char *item_type, size_t payload_len);
/* False for item types whose loss is never reported (client reports themselves). */
bool csc__item_reportable(const char *item_type);

#endif

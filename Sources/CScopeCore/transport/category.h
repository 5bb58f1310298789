/* Internal: envelope item type -> Sentry data category (rate limits, client reports). */
#ifndef CSC_TRANSPORT_CATEGORY_H
#define CSC_TRANSPORT_CATEGORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "event" -> "error", "transaction" -> "transaction", "attachment" -> "attachment",
 * "session"/"sessions" -> "session", "client_report" -> "internal", ... Never NULL. */
const char *csc__item_category(const char *item_type);
/* Quantity an item counts for in client reports: bytes for attachments, else 1. */
uint64_t csc__item_quantity(const char *item_type, size_t payload_len);
/* False for item types whose loss is never reported (client reports themselves). */
bool csc__item_reportable(const char *item_type);

#endif

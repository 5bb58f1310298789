#include "category.h"

#include <string.h>

/* Relay's DataCategory names that an SDK can meet in X-Sentry-Rate-Limits or report. */
static const char *const k_categories[CSC__CATEGORY_COUNT] = {
    "default",       "error",    "transaction", "security",       "attachment",       "session",  "profile",
    "profile_chunk", "replay",   "monitor",     "span",           "log_item",         "log_byte", "trace_metric",
    "metric_bucket", "feedback", "internal",    "user_report_v2", "profile_chunk_ui", "uptime",
};

/* Envelope item type -> category, and the second category its loss counts in. */
static const struct {
    const char *type, *category, *secondary;
} k_map[] = {
    {"event", "error", NULL},
    {"transaction", "transaction", "span"}, /* + one span per span in the transaction */
    {"attachment", "attachment", NULL},
    {"session", "session", NULL},
    {"sessions", "session", NULL},
    {"client_report", "internal", NULL},
    {"profile", "profile", NULL},
    {"profile_chunk", "profile_chunk", NULL},
    {"replay_event", "replay", NULL},
    {"replay_recording", "replay", NULL},
    {"replay_video", "replay", NULL},
    {"check_in", "monitor", NULL},
    {"span", "span", NULL},
    {"log", "log_item", "log_byte"}, /* + the payload's bytes */
    {"trace_metric", "trace_metric", NULL},
    {"statsd", "metric_bucket", NULL},
    {"metric_meta", "metric_bucket", NULL},
    {"feedback", "feedback", NULL},
};

int csc__category_index(const char *name, size_t len) {
    if (!name) return -1;
    for (int i = 0; i < CSC__CATEGORY_COUNT; i++)
        if (strlen(k_categories[i]) == len && memcmp(k_categories[i], name, len) == 0) return i;
    return -1;
}

const char *csc__category_name(int index) {
    return index >= 0 && index < CSC__CATEGORY_COUNT ? k_categories[index] : NULL;
}

static int map_index(const char *item_type) {
    if (!item_type) return -1;
    for (size_t i = 0; i < sizeof k_map / sizeof k_map[0]; i++)
        if (strcmp(k_map[i].type, item_type) == 0) return (int)i;
    return -1;
}

const char *csc__item_category(const char *item_type) {
    int i = map_index(item_type);
    return i < 0 ? "default" : k_map[i].category;
}

const char *csc__item_secondary_category(const char *item_type) {
    int i = map_index(item_type);
    return i < 0 ? NULL : k_map[i].secondary;
}

uint64_t csc__item_quantity(const char *item_type, size_t payload_len) {
    if (item_type && strcmp(item_type, "attachment") == 0) return payload_len;
    return 1;
}

bool csc__item_reportable(const char *item_type) { return !(item_type && strcmp(item_type, "client_report") == 0); }

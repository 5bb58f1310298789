#include "category.h"

#include <string.h>

static const struct { const char *type, *category; } k_map[] = {
    {"event", "error"},
    {"transaction", "transaction"},
    {"attachment", "attachment"},
    {"session", "session"},
    {"sessions", "session"},
    {"client_report", "internal"},
    {"profile", "profile"},
    {"profile_chunk", "profile_chunk"},
    {"replay_event", "replay"},
    {"replay_recording", "replay"},
    {"check_in", "monitor"},
    {"span", "span"},
    {"log", "log_item"},
    {"statsd", "metric_bucket"},
    {"user_report", "user_report"},
    {"feedback", "feedback"},
};

const char *csc__item_category(const char *item_type) {
    if (!item_type) return "default";
    for (size_t i = 0; i < sizeof k_map / sizeof k_map[0]; i++)
        if (strcmp(k_map[i].type, item_type) == 0) return k_map[i].category;
    return "default";
}

uint64_t csc__item_quantity(const char *item_type, size_t payload_len) {
    if (item_type && strcmp(item_type, "attachment") == 0) return payload_len;
    return 1;
}

bool csc__item_reportable(const char *item_type) {
    return !(item_type && strcmp(item_type, "client_report") == 0);
}

#include "client_report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cscope.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

void csc__reports_init(csc__reports_t *r, bool enabled) {
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->enabled = enabled;
}

void csc__reports_destroy(csc__reports_t *r) { pthread_mutex_destroy(&r->mu); }

static void copy_str(char *dst, size_t cap, const char *s) {
    size_t n = strlen(s);
    if (n >= cap) n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

void csc__reports_record(csc__reports_t *r, const char *reason, const char *category, uint64_t quantity) {
    if (!r->enabled || !quantity || !reason || !category) return;
    pthread_mutex_lock(&r->mu);
    int i;
    for (i = 0; i < r->n; i++)
        if (strcmp(r->e[i].reason, reason) == 0 && strcmp(r->e[i].category, category) == 0) break;
    if (i == r->n && r->n < CSC__CR_MAX) {
        copy_str(r->e[i].reason, sizeof r->e[i].reason, reason);
        copy_str(r->e[i].category, sizeof r->e[i].category, category);
        r->e[i].quantity = 0;
        r->n++;
    }
    if (i < r->n) r->e[i].quantity += quantity;
    pthread_mutex_unlock(&r->mu);
}

bool csc__reports_pending(csc__reports_t *r) {
    pthread_mutex_lock(&r->mu);
    bool p = r->n > 0;
    pthread_mutex_unlock(&r->mu);
    return p;
}

char *csc__reports_take_json(csc__reports_t *r, size_t *len) {
    json_t *list = json_array();
    if (!list) return NULL;
    pthread_mutex_lock(&r->mu);
    for (int i = 0; i < r->n; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:I}", "reason", r->e[i].reason, "category", r->e[i].category,
                                              "quantity", (json_int_t)r->e[i].quantity));
    int n = r->n;
    r->n = 0;
    pthread_mutex_unlock(&r->mu);
    if (!n) {
        json_decref(list);
        return NULL;
    }
    /* timestamp as a float of seconds since the epoch (accepted by Relay). */
    json_t *obj = json_pack("{s:f, s:o}", "timestamp", (double)csc_now_us() / 1e6, "discarded_events", list);
    char *s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (s && len) *len = strlen(s);
    return s;
}

void csc__reports_restore(csc__reports_t *r, const char *payload, size_t len) {
    if (!r->enabled || !payload) return;
    json_t *obj = json_loadb(payload, len, 0, NULL);
    json_t *list = json_object_get(obj, "discarded_events");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *d = json_array_get(list, i), *q = json_object_get(d, "quantity");
        const char *reason = json_string_value(json_object_get(d, "reason"));
        const char *category = json_string_value(json_object_get(d, "category"));
        if (json_is_integer(q) && json_integer_value(q) > 0)
            csc__reports_record(r, reason, category, (uint64_t)json_integer_value(q));
    }
    json_decref(obj);
}

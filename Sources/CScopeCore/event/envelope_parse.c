/* csc__envelope_parse: serialized envelope bytes (e.g. a disk-cache file) -> csc_envelope_t.
 * Strict: any malformed header line, bad length or truncated payload rejects the whole thing. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "envelope_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

static const char *line_end(const char *p, const char *end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

static json_t *parse_object(const char *p, size_t n) {
    json_t *v = json_loadb(p, n, JSON_REJECT_DUPLICATES, NULL);
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

/* 32 lowercase hex (dashes of a uuid removed) into out[33]; false otherwise. */
static bool normalize_event_id(const char *s, char out[33]) {
    size_t k = 0;
    for (; *s; s++) {
        if (*s == '-') continue;
        char c = *s;
        if (c >= 'A' && c <= 'F') c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || k == 32) return false;
        out[k++] = c;
    }
    out[k] = 0;
    return k == 32;
}

static const char *opt_str(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The child spans of a transaction payload: a lost transaction counts them + 1 as `span`s in client reports,
 * also when it was read back from the cache. */
static uint32_t span_count(const char *payload, size_t len) {
    json_t *tx = json_loadb(payload, len, 0, NULL);
    size_t n = json_array_size(json_object_get(tx, "spans"));
    json_decref(tx);
    return (uint32_t)n;
}

csc_envelope_t *csc__envelope_parse(const char *data, size_t len) {
    if (!data || !len) return NULL;
    const char *p = data, *end = data + len;
    const char *nl = line_end(p, end);
    json_t *hdr = parse_object(p, (size_t)(nl - p));
    if (!hdr) return NULL;
    char event_id[33] = "";
    const char *eid = opt_str(hdr, "event_id");
    if (eid && !normalize_event_id(eid, event_id)) {
        json_decref(hdr);
        return NULL;
    }
    csc_envelope_t *env = csc__envelope_new(event_id[0] ? event_id : NULL);
    if (!env) {
        json_decref(hdr);
        return NULL;
    }
    json_t *trace = json_object_get(hdr, "trace");
    if (json_is_object(trace)) env->trace_json = json_dumps(trace, JSON_COMPACT);
    json_decref(hdr);
    p = nl < end ? nl + 1 : end;

    while (p < end) {
        nl = line_end(p, end);
        if (nl == p) {
            p++;
            continue;
        } /* blank line (e.g. trailing newline) */
        json_t *ih = parse_object(p, (size_t)(nl - p));
        const char *type = ih ? opt_str(ih, "type") : NULL;
        if (!type || !*type) goto bad;
        p = nl < end ? nl + 1 : end;
        json_t *jl = json_object_get(ih, "length");
        const char *payload;
        size_t plen;
        if (jl) {
            if (!json_is_integer(jl) || json_integer_value(jl) < 0 ||
                (size_t)json_integer_value(jl) > (size_t)(end - p))
                goto bad;
            payload = p;
            plen = (size_t)json_integer_value(jl);
            p += plen;
            if (p < end) {
                if (*p != '\n') goto bad;
                p++;
            }
        } else {
            nl = line_end(p, end);
            payload = p;
            plen = (size_t)(nl - p);
            p = nl < end ? nl + 1 : end;
        }
        char *copy = malloc(plen + 1);
        if (!copy) goto bad;
        memcpy(copy, payload, plen);
        copy[plen] = 0;
        if (csc__envelope_add_item(env, type, opt_str(ih, "content_type"), opt_str(ih, "filename"), copy, plen) != 0)
            goto bad;
        json_t *ic = json_object_get(ih, "item_count");
        if (json_is_integer(ic) && json_integer_value(ic) > 0)
            env->items[env->count - 1].item_count = (size_t)json_integer_value(ic);
        if (!strcmp(type, "transaction")) env->spans = span_count(copy, plen);
        json_decref(ih);
        continue;
    bad:
        json_decref(ih);
        csc_envelope_free(env);
        return NULL;
    }
    return env;
}

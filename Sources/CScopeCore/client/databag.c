/* Databag trimming (depth/breadth) with `_meta`, as the Python SDK's serializer does it. */
#include "databag.h"

#include <stdio.h>
#include <stdlib.h>
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

static bool needs_trim(const json_t *v, int depth) {
    if (depth <= 0) return true;
    size_t i;
    const char *k;
    json_t *x;
    if (json_is_object(v)) {
        if (json_object_size(v) > CSC_MAX_DATABAG_BREADTH) return true;
        json_object_foreach((json_t *)v, k, x) if (needs_trim(x, depth - 1)) return true;
    } else if (json_is_array(v)) {
        if (json_array_size(v) > CSC_MAX_DATABAG_BREADTH) return true;
        json_array_foreach(v, i, x) if (needs_trim(x, depth - 1)) return true;
    }
    return false;
}

static void repr_str(csc__buf_t *b, const char *s, size_t n) {
    bool has_sq = memchr(s, '\'', n) != NULL, has_dq = memchr(s, '"', n) != NULL;
    char q = has_sq && !has_dq ? '"' : '\'';
    csc__buf_putc(b, q);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == (unsigned char)q) {
            csc__buf_putc(b, '\\');
            csc__buf_putc(b, (char)c);
        } else if (c == '\n')
            csc__buf_put(b, "\\n", 2);
        else if (c == '\r')
            csc__buf_put(b, "\\r", 2);
        else if (c == '\t')
            csc__buf_put(b, "\\t", 2);
        else if (c < 0x20 || c == 0x7f) {
            char e[5];
            snprintf(e, sizeof e, "\\x%02x", c);
            csc__buf_put(b, e, 4);
        } else
            csc__buf_putc(b, (char)c);
    }
    csc__buf_putc(b, q);
}

static void repr(csc__buf_t *b, const json_t *v) {
    size_t i;
    const char *k;
    json_t *x;
    switch (json_typeof(v)) {
        case JSON_OBJECT:
            csc__buf_putc(b, '{');
            i = 0;
            json_object_foreach((json_t *)v, k, x) {
                if (i++) csc__buf_put(b, ", ", 2);
                repr_str(b, k, strlen(k));
                csc__buf_put(b, ": ", 2);
                repr(b, x);
            }
            csc__buf_putc(b, '}');
            break;
        case JSON_ARRAY:
            csc__buf_putc(b, '[');
            json_array_foreach(v, i, x) {
                if (i) csc__buf_put(b, ", ", 2);
                repr(b, x);
            }
            csc__buf_putc(b, ']');
            break;
        case JSON_STRING: repr_str(b, json_string_value(v), json_string_length(v)); break;
        case JSON_TRUE: csc__buf_put(b, "True", 4); break;
        case JSON_FALSE: csc__buf_put(b, "False", 5); break;
        case JSON_NULL: csc__buf_put(b, "None", 4); break;
        default: csc__buf_put_json(b, v); break;
    }
}

char *csc__python_repr(const json_t *v) {
    csc__buf_t b = {0};
    repr(&b, v);
    csc__buf_putc(&b, 0);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

static json_t *limit_meta(void) { return json_pack("{s:{s:[[s,s]]}}", "", "rem", "!limit", "x"); }

static void meta_set(json_t **meta, const char *key, json_t *value) {
    if (!*meta) *meta = json_object();
    json_t *cur = json_object_get(*meta, key);
    if (cur && json_is_object(cur) && json_is_object(value))
        json_object_update(cur, value), json_decref(value);
    else
        json_object_set_new(*meta, key, value);
}

static json_t *trim(json_t *v, int depth, json_t **meta) {
    if (depth <= 0) {
        char *r = csc__python_repr(v);
        json_t *s = r ? json_string(r) : json_string("");
        free(r);
        json_t *lm = limit_meta();
        json_t *inner = json_object_get(lm, "");
        meta_set(meta, "", json_incref(inner));
        json_decref(lm);
        return s;
    }
    if (!needs_trim(v, depth)) return json_incref(v);
    size_t n = 0;
    json_t *out;
    if (json_is_object(v)) {
        out = json_object();
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            if (n++ >= CSC_MAX_DATABAG_BREADTH) continue;
            json_t *cm = NULL;
            json_object_set_new(out, k, trim(x, depth - 1, &cm));
            if (cm) meta_set(meta, k, cm);
        }
    } else {
        out = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            n++;
            if (i >= CSC_MAX_DATABAG_BREADTH) continue;
            json_t *cm = NULL;
            json_array_append_new(out, trim(x, depth - 1, &cm));
            if (cm) {
                char idx[24];
                snprintf(idx, sizeof idx, "%zu", i);
                meta_set(meta, idx, cm);
            }
        }
    }
    if (n > CSC_MAX_DATABAG_BREADTH) meta_set(meta, "", json_pack("{s:I}", "len", (json_int_t)n));
    return out;
}

json_t *csc__databag_trim(json_t *v, int depth, json_t **meta) { return trim(v, depth, meta); }

/* ------------------------------------------------------------ max_value_length */

static json_t *strip_one(const json_t *v, size_t max, json_t **meta) {
    size_t n = json_string_length(v);
    if (n <= max) return NULL;
    const char *s = json_string_value(v);
    size_t cut = max - 3;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--; /* errors="ignore" drops a split character */
    char *t = malloc(cut + 3);
    if (!t) return NULL;
    memcpy(t, s, cut);
    memcpy(t + cut, "...", 3);
    json_t *out = json_stringn_nocheck(t, cut + 3);
    free(t);
    if (out)
        *meta = json_pack("{s:{s:I,s:[[s,s,I,I]]}}", "", "len", (json_int_t)n, "rem", "!limit", "x",
                          (json_int_t)(max - 3), (json_int_t)max);
    return out;
}

/* path depth: spans[i].description is exempt (Python: len(path) == 3, path[0] == "spans") */
static json_t *strip(json_t *v, size_t max, json_t **meta, int level, bool in_spans) {
    if (json_is_string(v)) return level == 3 && in_spans ? NULL : strip_one(v, max, meta);
    json_t *out = NULL;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            if (level == 0 && (!strcmp(k, "_meta") || !strcmp(k, "event_id"))) continue; /* the envelope's id */
            /* timestamps are datetimes in Python, which strip_string never sees */
            if (json_is_string(x) && (!strcmp(k, "timestamp") || !strcmp(k, "start_timestamp"))) continue;
            if (level == 2 && in_spans && strcmp(k, "description") == 0 && json_is_string(x)) continue;
            json_t *cm = NULL;
            json_t *nx = strip(x, max, &cm, level + 1, level == 0 ? !strcmp(k, "spans") : in_spans);
            if (cm) meta_set(meta, k, cm);
            if (!nx) continue;
            if (!out) out = level == 0 ? json_incref(v) : json_copy(v); /* the event itself is ours */
            if (out)
                json_object_set_new(out, k, nx);
            else
                json_decref(nx);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            json_t *cm = NULL;
            json_t *nx = strip(x, max, &cm, level + 1, in_spans);
            if (cm) {
                char idx[24];
                snprintf(idx, sizeof idx, "%zu", i);
                meta_set(meta, idx, cm);
            }
            if (!nx) continue;
            if (!out) out = json_copy(v);
            if (out)
                json_array_set_new(out, i, nx);
            else
                json_decref(nx);
        }
    }
    return out;
}

json_t *csc__strip_strings(json_t *v, size_t max, json_t **meta) { return strip(v, max, meta, 0, false); }

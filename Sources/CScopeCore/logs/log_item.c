/* A queued log line as the `log` item Sentry reads (develop.sentry.dev sdk/telemetry/logs):
 * timestamp, trace_id, span_id, level, severity_number, body, and attributes typed as
 * `{"value": v, "type": "string" | "integer" | "double" | "boolean" | "array"}`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cscope/logs.h"
#include "logs_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */
#include "support/util.h"

void csc__log_free(csc__log_t *l) {
    if (!l) return;
    json_decref(l->parameters);
    json_decref(l->attributes);
    json_decref(l->user);
    free(l);
}

const char *csc_log_level_name(csc_log_level_t level) {
    switch (level) {
        case CSC_LOG_TRACE: return "trace";
        case CSC_LOG_DEBUG: return "debug";
        case CSC_LOG_INFO: return "info";
        case CSC_LOG_WARN: return "warn";
        case CSC_LOG_ERROR: return "error";
        case CSC_LOG_FATAL: return "fatal";
    }
    return NULL;
}

/* A UTF-8-clean JSON string of s[0..n), cut to `max` characters. */
static json_t *clean_string(const char *s, size_t n, size_t max) {
    const char *out = NULL;
    size_t len = 0;
    if (csc__utf8_clean(s, n, max, &out, &len) < 0) return NULL;
    json_t *j = json_stringn_nocheck(out, len);
    if (out != s) free((void *)out);
    return j;
}

static json_t *typed(json_t *value, const char *type) { return json_pack("{s:o,s:s}", "value", value, "type", type); }

static const char *scalar_type(const json_t *v) {
    switch (json_typeof(v)) {
        case JSON_STRING: return "string";
        case JSON_INTEGER: return "integer";
        case JSON_REAL: return "double";
        case JSON_TRUE:
        case JSON_FALSE: return "boolean";
        default: return NULL;
    }
}

/* {"value": v, "type": t} with v of type t (a host's pre-typed attribute). */
static bool already_typed(const json_t *v);

/* An array of one scalar type (or empty) is an `array` attribute. */
static bool uniform_array(const json_t *v) {
    if (!json_is_array(v)) return false;
    size_t n = json_array_size(v);
    if (!n) return true;
    const char *first = scalar_type(json_array_get(v, 0));
    if (!first) return false;
    for (size_t i = 1; i < n; i++) {
        const char *t = scalar_type(json_array_get(v, i));
        if (!t || strcmp(t, first)) return false;
    }
    return true;
}

/* A scalar, typed; strings made UTF-8-clean (a host may hand jansson strings built unchecked). */
static json_t *scalar(json_t *v, const char *t) {
    if (json_is_string(v)) {
        json_t *c = clean_string(json_string_value(v), json_string_length(v), CSC_MAX_STRING_LEN);
        return c ? typed(c, t) : NULL;
    }
    return typed(json_incref(v), t);
}

/* sentry-python's format_attribute + serialize_attribute; anything else becomes its JSON text. */
static json_t *attribute(json_t *v) {
    const char *t = scalar_type(v);
    if (t) return scalar(v, t);
    if (already_typed(v)) return attribute(json_object_get(v, "value"));
    if (uniform_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            json_t *one = scalar(x, scalar_type(x));
            json_t *val = json_object_get(one, "value");
            if (!a || !val || json_array_append(a, val)) {
                json_decref(one);
                json_decref(a);
                return NULL;
            }
            json_decref(one);
        }
        return typed(a, "array");
    }
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_t *s = text ? clean_string(text, strlen(text), CSC_MAX_STRING_LEN) : NULL;
    free(text);
    if (!text) s = json_string("<unserializable>"); /* invalid UTF-8 inside: jansson will not write it */
    return s ? typed(s, "string") : NULL;
}

static bool already_typed(const json_t *v) {
    if (!json_is_object(v) || json_object_size(v) != 2) return false;
    const json_t *value = json_object_get(v, "value");
    const char *t = json_string_value(json_object_get(v, "type"));
    if (!value || !t) return false;
    if (!strcmp(t, "array")) return uniform_array(value);
    const char *actual = scalar_type(value);
    return actual && !strcmp(actual, t);
}

static void put(json_t *attrs, const char *key, json_t *typed_value, bool overwrite) {
    if (!typed_value) return;
    const char *k = NULL;
    size_t kl = 0;
    if (csc__utf8_clean(key, strlen(key), CSC_MAX_TAG_KEY_LEN, &k, &kl) < 0 || !kl ||
        (!overwrite && json_object_getn(attrs, k, kl))) {
        json_decref(typed_value);
    } else {
        json_object_setn_new_nocheck(attrs, k, kl, typed_value);
    }
    if (k && k != key) free((void *)k);
}

static void put_string(json_t *attrs, const char *key, const char *s, bool overwrite) {
    if (!s || (!overwrite && json_object_get(attrs, key))) return;
    json_t *j = clean_string(s, strlen(s), CSC_MAX_STRING_LEN);
    if (j) put(attrs, key, typed(j, "string"), overwrite);
}

static void put_parameters(json_t *attrs, json_t *params) {
    char key[64 + 26];
    if (json_is_array(params)) {
        size_t i;
        json_t *v;
        json_array_foreach(params, i, v) {
            snprintf(key, sizeof key, "sentry.message.parameter.%zu", i);
            put(attrs, key, attribute(v), true);
        }
    } else if (json_is_object(params)) {
        const char *k;
        json_t *v;
        json_object_foreach(params, k, v) {
            size_t kl = strlen(k);
            char *full = malloc(kl + 26);
            if (!full) continue;
            memcpy(full, "sentry.message.parameter.", 25);
            memcpy(full + 25, k, kl + 1);
            put(attrs, full, attribute(v), true);
            free(full);
        }
    }
}

json_t *csc__log_item_json(const csc__log_t *l, const csc_options_t *o) {
    json_t *attrs = json_object();
    if (!attrs) return NULL;
    /* the caller's attributes, then what the line itself says (sentry-python's order) */
    if (l->attributes) {
        const char *k;
        json_t *v;
        json_object_foreach(l->attributes, k, v) put(attrs, k, attribute(v), true);
    }
    put_parameters(attrs, l->parameters);
    if (l->message_template && (json_array_size(l->parameters) || json_object_size(l->parameters)))
        put_string(attrs, "sentry.message.template", l->message_template, true);
    put_string(attrs, "sentry.origin", l->origin, true);
    put_string(attrs, "logger.name", l->logger_name, true);
    put_string(attrs, "code.file.path", l->code_file, true);
    if (l->code_line > 0) put(attrs, "code.line.number", typed(json_integer(l->code_line), "integer"), true);
    put_string(attrs, "code.function.name", l->code_function, true);
    /* the SDK's (the global scope's attributes in sentry-python): never over the line's own */
    if (o) {
        put_string(attrs, "sentry.sdk.name", o->sdk_name ? o->sdk_name : "sentry.cscope", false);
        put_string(attrs, "sentry.sdk.version", o->sdk_version ? o->sdk_version : CSC_VERSION, false);
        put_string(attrs, "sentry.environment", o->environment, false);
        put_string(attrs, "sentry.release", o->release, false);
        put_string(attrs, "server.address", o->server_name, false);
    }
    if (l->user) {
        static const char *const k_user[][2] = {
            {"user.id", "id"}, {"user.name", "username"}, {"user.email", "email"}, {"user.ip_address", "ip_address"}};
        for (size_t i = 0; i < sizeof k_user / sizeof k_user[0]; i++) {
            json_t *v = json_object_get(l->user, k_user[i][1]);
            if (v && !json_is_null(v)) put(attrs, k_user[i][0], attribute(v), false);
        }
    }
    const char *level = csc_log_level_name((csc_log_level_t)l->level);
    put(attrs, "sentry.severity_number", typed(json_integer(l->level), "integer"), false);
    put_string(attrs, "sentry.severity_text", level, false);

    json_t *item = json_object();
    json_t *body = clean_string(l->body, l->body_len, CSC__LOGS_MAX_BODY);
    if (!item || !body) {
        json_decref(attrs);
        json_decref(item);
        json_decref(body);
        return NULL;
    }
    json_object_set_new(item, "timestamp", json_real((double)l->ts_us / 1e6));
    json_object_set_new(item, "trace_id", json_string(l->trace_id));
    if (l->span_id[0]) json_object_set_new(item, "span_id", json_string(l->span_id));
    json_object_set_new(item, "level", json_string(level));
    json_object_set_new(item, "severity_number", json_integer(l->level));
    json_object_set_new(item, "body", body);
    json_object_set_new(item, "attributes", attrs);
    return item;
}

char *csc__log_payload(json_t *items, size_t *len) {
    json_t *p = json_pack("{s:i,s:O}", "version", 2, "items", items);
    char *s = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    *len = s ? strlen(s) : 0;
    return s;
}

size_t csc__log_item_bytes(json_t *item) {
    json_t *one = json_array();
    if (!one || json_array_append(one, item)) {
        json_decref(one);
        return 0;
    }
    size_t len = 0;
    char *s = csc__log_payload(one, &len);
    json_decref(one);
    free(s);
    return len; /* the payload's bytes, as sentry-python's Item.get_bytes */
}

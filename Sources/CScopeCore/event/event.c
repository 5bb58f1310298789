/* Event builders: messages and exceptions with caller-supplied frames. */
#include <stdlib.h>

#include "support/util.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

static void set_clean(json_t *obj, const char *key, const char *s, size_t max) {
    if (!s) return;
    json_t *v = csc__json_string_clean(s, strlen(s), max, NULL);
    if (v) json_object_set_new(obj, key, v);
}

json_t *csc_event_new_message(const char *message, csc_level_t level) {
    if (!message) return NULL;
    json_t *ev = json_object();
    if (!ev) return NULL;
    set_clean(ev, "message", message, CSC_MAX_MESSAGE_LEN);
    const char *l = csc_level_name(level);
    json_object_set_new(ev, "level", json_string(l ? l : "info"));
    return ev;
}

static json_t *frame_json(const csc_frame_t *f) {
    json_t *o = json_object();
    if (!o) return NULL;
    set_clean(o, "function", f->function, CSC_MAX_STRING_LEN);
    set_clean(o, "module", f->module, CSC_MAX_STRING_LEN);
    set_clean(o, "filename", f->filename, CSC_MAX_STRING_LEN);
    set_clean(o, "abs_path", f->abs_path, CSC_MAX_STRING_LEN);
    set_clean(o, "package", f->package, CSC_MAX_STRING_LEN);
    if (f->lineno) json_object_set_new(o, "lineno", json_integer(f->lineno));
    if (f->colno) json_object_set_new(o, "colno", json_integer(f->colno));
    if (f->instruction_addr) {
        char hex[24];
        snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)f->instruction_addr);
        json_object_set_new(o, "instruction_addr", json_string(hex));
    }
    if (f->in_app >= 0) json_object_set_new(o, "in_app", json_boolean(f->in_app));
    return o;
}

static json_t *exception_json(const csc_exception_t *e) {
    json_t *x = json_object();
    if (!x) return NULL;
    json_t *mech = json_object();
    json_object_set_new(mech, "type", json_string(e->mechanism_type ? e->mechanism_type : "generic"));
    if (e->handled >= 0) json_object_set_new(mech, "handled", json_boolean(e->handled));
    json_object_set_new(x, "mechanism", mech);
    set_clean(x, "module", e->module, CSC_MAX_STRING_LEN);
    set_clean(x, "type", e->type, CSC_MAX_STRING_LEN);
    set_clean(x, "value", e->value, CSC_MAX_STRING_LEN);
    if (e->frames && e->frame_count) {
        json_t *frames = json_array();
        for (size_t i = 0; i < e->frame_count; i++) json_array_append_new(frames, frame_json(&e->frames[i]));
        json_object_set_new(x, "stacktrace", json_pack("{s:o}", "frames", frames));
    }
    return x;
}

int csc_event_add_exception(json_t *event, const csc_exception_t *exc) {
    if (!event || !exc) return CSC_ERR_NULL;
    if (!json_is_object(event)) return CSC_ERR_INVALID;
    if (!exc->type && !exc->value) return CSC_ERR_INVALID;
    json_t *container = json_object_get(event, "exception");
    if (!json_is_object(container)) {
        container = json_object();
        if (!container || json_object_set_new(event, "exception", container)) return CSC_ERR_NOMEM;
    }
    json_t *values = json_object_get(container, "values");
    if (!json_is_array(values)) {
        values = json_array();
        if (!values || json_object_set_new(container, "values", values)) return CSC_ERR_NOMEM;
    }
    json_t *x = exception_json(exc);
    if (!x || json_array_append_new(values, x)) return CSC_ERR_NOMEM;
    return CSC_OK;
}

json_t *csc_event_new_exception(const csc_exception_t *exc) {
    if (!exc) return NULL;
    json_t *ev = json_object();
    if (!ev) return NULL;
    json_object_set_new(ev, "level", json_string("error"));
    if (csc_event_add_exception(ev, exc) != CSC_OK) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

/* Sentry frames from the Swift overlay's per-address templates (see
 * csc_stacktrace_frames_json in cscope/stacktrace.h). */
#include "stacktrace_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

/* A fresh copy of a flat object (strings, integers, booleans, null): no loop
 * detection and no shared values, and the template is only read. */
static json_t *copy_flat(const json_t *template) {
    json_t *out = json_object();
    if (!out) return NULL;
    json_t *t = (json_t *)template; /* the iteration functions take non-const pointers; they only read */
    for (void *it = json_object_iter(t); it; it = json_object_iter_next(t, it)) {
        json_t *v = json_object_iter_value(it);
        json_t *copy;
        switch (json_typeof(v)) {
            case JSON_STRING: copy = json_stringn_nocheck(json_string_value(v), json_string_length(v)); break;
            case JSON_INTEGER: copy = json_integer(json_integer_value(v)); break;
            case JSON_REAL: copy = json_real(json_real_value(v)); break;
            case JSON_TRUE: copy = json_true(); break;
            case JSON_FALSE: copy = json_false(); break;
            case JSON_NULL: copy = json_null(); break;
            default: copy = json_deep_copy(v); break;
        }
        if (!copy ||
            json_object_setn_new_nocheck(out, json_object_iter_key(it), json_object_iter_key_len(it), copy) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *csc_stacktrace_frames_json(const json_t *const *templates, const signed char *in_app, size_t n) {
    if (n && !templates) return NULL;
    json_t *frames = json_array();
    if (!frames) return NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *frame = templates[i] ? copy_flat(templates[i]) : json_object();
        if (!frame) {
            json_decref(frames);
            return NULL;
        }
        if (in_app && in_app[i] >= 0)
            json_object_set_new_nocheck(frame, "in_app", in_app[i] ? json_true() : json_false());
        if (json_array_append_new(frames, frame) != 0) {
            json_decref(frames);
            return NULL;
        }
    }
    return frames;
}

void csc_stacktrace_unshare(json_t *value) {
    if (!value) return;
#if CSC_CAN_SHARE_JSON
    /* json_decref's inline check reads the count plainly: the same race as in csc_stacktrace_share */
    if (__atomic_sub_fetch(&value->refcount, 1, __ATOMIC_ACQ_REL) == 0) json_delete(value);
#else
    json_decref(value);
#endif
}

json_t *csc_stacktrace_share(json_t *value) {
    if (!value) return NULL;
#if CSC_CAN_SHARE_JSON
    /* json_incref's inline check for immortal values (-1) reads the count without an atomic
     * load, a race on values shared between threads; shared stacks are never immortal */
    __atomic_add_fetch(&value->refcount, 1, __ATOMIC_ACQUIRE);
    return value;
#else
    return json_deep_copy(value);
#endif
}

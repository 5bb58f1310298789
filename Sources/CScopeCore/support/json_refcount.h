/* Internal: jansson reference counting that is race-free when one value is shared by scopes
 * that different threads own.
 *
 * A fork shares its parent's immutable values (strings, the transaction name, user objects)
 * by reference, so two threads forking sibling scopes update the same reference count. jansson
 * updates it atomically, but its inline json_incref/json_decref first compare it with the
 * "static singleton" sentinel through a plain load. The load is harmless on every CPU we build
 * for, yet it is a data race in the C memory model, and ThreadSanitizer reports it. These
 * replacements make the load atomic too; everything else is what jansson does (a sequentially
 * consistent update, json_delete at zero). Every CScopeCore file that retains or releases a
 * json_t includes this header after <jansson.h>; the macros below redirect the calls. */
#ifndef CSC_JSON_REFCOUNT_H
#define CSC_JSON_REFCOUNT_H

#include <jansson.h>

static inline json_t *csc__json_incref(json_t *json) {
    if (json && __atomic_load_n(&json->refcount, __ATOMIC_RELAXED) != (size_t)-1)
        __atomic_add_fetch(&json->refcount, 1, __ATOMIC_SEQ_CST);
    return json;
}

static inline void csc__json_decref(json_t *json) {
    if (json && __atomic_load_n(&json->refcount, __ATOMIC_RELAXED) != (size_t)-1 &&
        __atomic_sub_fetch(&json->refcount, 1, __ATOMIC_SEQ_CST) == 0)
        json_delete(json);
}

#define json_incref(json) csc__json_incref(json)
#define json_decref(json) csc__json_decref(json)
/* jansson's own inline setter retains through its json_incref; route it through ours. */
#define json_object_set(object, key, value) json_object_set_new((object), (key), csc__json_incref(value))

#endif

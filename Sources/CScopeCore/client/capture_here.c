/* Exceptions with the caller's stack trace and debug_meta. */
#include <stdlib.h>
#include <string.h>

#include "stacktrace/stacktrace_internal.h"

/* Builds the event from addresses captured by one of the public functions below
 * (innermost first, that function's own frame already skipped). */
static json_t *build_event(const char *type, const char *value, const uintptr_t *addrs, int n) {
    if (!type && !value) return NULL;
    if (n < 0) n = 0;
    csc_frame_t *frames = n ? calloc((size_t)n, sizeof *frames) : NULL;
    if (n && !frames) return NULL;
    csc_stacktrace_symbolicate(addrs, (size_t)n, frames);
    /* Trim the innermost SDK frames that remain (wrappers named csc_*). */
    size_t count = (size_t)n;
    while (count && frames[count - 1].function && strncmp(frames[count - 1].function, "csc_", 4) == 0) count--;

    csc_exception_t exc = {0};
    exc.type = type;
    exc.value = value;
    exc.mechanism_type = "generic";
    exc.handled = 1;
    exc.frames = frames;
    exc.frame_count = count;
    json_t *event = csc_event_new_exception(&exc);
    free(frames);
    if (!event) return NULL;
    json_t *images = csc_debug_images();
    if (images) json_object_set_new(event, "debug_meta", json_pack("{s:o}", "images", images));
    return event;
}

__attribute__((noinline)) json_t *csc_event_new_exception_here(const char *type, const char *value, size_t skip) {
    uintptr_t addrs[CSC_STACKTRACE_MAX_FRAMES];
    int n = csc_stacktrace_capture(addrs, CSC_STACKTRACE_MAX_FRAMES, skip + 1); /* +1: this function */
    json_t *event = build_event(type, value, addrs, n);
    __asm__ volatile("" ::: "memory"); /* no tail call: keeps the frame count exact */
    return event;
}

__attribute__((noinline)) int csc_capture_exception_here(const char *type, const char *value,
                                                         const csc_scopes_t *scopes, char *event_id_out) {
    if (!type && !value) return CSC_ERR_INVALID;
    uintptr_t addrs[CSC_STACKTRACE_MAX_FRAMES];
    int n = csc_stacktrace_capture(addrs, CSC_STACKTRACE_MAX_FRAMES, 1); /* 1: this function */
    json_t *event = build_event(type, value, addrs, n);
    if (!event) return CSC_ERR_NOMEM;
    int rc = csc_capture_event(event, scopes, event_id_out);
    __asm__ volatile("" ::: "memory");
    return rc;
}

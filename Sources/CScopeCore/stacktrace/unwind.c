/* Unwinding the calling thread with the unwinder of libgcc (_Unwind_Backtrace):
 * it follows DWARF CFI (.eh_frame), so it works with or without frame pointers. */
#include <unwind.h>

#include "stacktrace_internal.h"

typedef struct {
    uintptr_t *addrs;
    size_t max;
    size_t skip; /* frames still to drop */
    size_t count;
} walk_t;

static _Unwind_Reason_Code on_frame(struct _Unwind_Context *ctx, void *arg) {
    walk_t *w = (walk_t *)arg;
    uintptr_t pc = (uintptr_t)_Unwind_GetIP(ctx);
    if (!pc) return _URC_END_OF_STACK;
    if (w->skip) { w->skip--; return _URC_NO_REASON; }
    if (w->count >= w->max) return _URC_END_OF_STACK;
    w->addrs[w->count++] = pc;
    return _URC_NO_REASON;
}

__attribute__((noinline)) int csc_stacktrace_capture(uintptr_t *addrs, size_t max, size_t skip) {
    if (!max) return 0;
    if (!addrs) return CSC_ERR_NULL;
    /* The first frame _Unwind_Backtrace reports is this function itself. */
    walk_t w = { addrs, max, skip + 1, 0 };
    _Unwind_Backtrace(on_frame, &w);
    /* Keep this a real call frame (no tail call), so `skip` stays exact. */
    __asm__ volatile("" ::: "memory");
    return (int)w.count;
}

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
    if (w->skip) {
        w->skip--;
        return _URC_NO_REASON;
    }
    if (w->count >= w->max) return _URC_END_OF_STACK;
    w->addrs[w->count++] = pc;
    return _URC_NO_REASON;
}

__attribute__((noinline)) int csc_stacktrace_capture(uintptr_t *addrs, size_t max, size_t skip) {
    if (!max) return 0;
    if (!addrs) return CSC_ERR_NULL;
    /* The first frame _Unwind_Backtrace reports is this function itself. */
    walk_t w = {addrs, max, skip + 1, 0};
    _Unwind_Backtrace(on_frame, &w);
    /* Keep this a real call frame (no tail call), so `skip` stays exact. */
    __asm__ volatile("" ::: "memory");
    return (int)w.count;
}

/* ------------------------------------------------------------ frame pointers */

/* What Swift's Runtime FramePointerUnwinder checks before it follows a frame
 * pointer (X86_64Context / ARM64Context.isAlignedForStack). */
#if defined(__x86_64__)
#define FP_ALIGN_MASK ((uintptr_t)15)
#elif defined(__aarch64__)
#define FP_ALIGN_MASK ((uintptr_t)1)
#else
#define FP_ALIGN_MASK ((uintptr_t)(sizeof(void *) - 1))
#endif

__attribute__((noinline)) int csc_stacktrace_walk_fp(uintptr_t *pcs, uintptr_t *fps, size_t max, size_t skip) {
    if (!max) return 0;
    if (!pcs || !fps) return CSC_ERR_NULL;
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    size_t n = 0;
    /* The same steps and stops as Runtime's unwinder on Linux: a frame record is
     * {saved fp, return address}; stop at a null or misaligned fp, a saved fp that
     * does not grow (the stack grows down), or a null return address. */
    while (fp && !(fp & FP_ALIGN_MASK)) {
        uintptr_t next = ((const uintptr_t *)fp)[0];
        uintptr_t pc = ((const uintptr_t *)fp)[1];
        if (next <= fp || pc == 0) break;
        fp = next;
        if (skip) {
            skip--;
            continue;
        }
        if (n == max) break;
        pcs[n] = pc;
        fps[n] = fp;
        n++;
    }
    __asm__ volatile("" ::: "memory"); /* keep this a real call frame */
    return (int)n;
}

int csc_stacktrace_walk_async(uintptr_t fp, uintptr_t *pcs, size_t max) {
    if (!max) return 0;
    if (!pcs) return CSC_ERR_NULL;
    if (!fp || fp < 8) return 0;
    /* A Swift async function keeps its async context just below its frame record;
     * a context starts with {parent context, resume function}. */
    uintptr_t ctx = ((const uintptr_t *)fp)[-1];
    size_t n = 0;
    while (ctx && n < max) {
        uintptr_t next = ((const uintptr_t *)ctx)[0];
        pcs[n++] = ((const uintptr_t *)ctx)[1];
        ctx = next;
    }
    return (int)n;
}

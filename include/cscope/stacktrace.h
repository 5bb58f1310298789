/*
 * cscope/stacktrace.h: stack traces of the calling thread and the loaded images
 * (Sentry's `debug_meta`), for errors reported without a crash.
 *
 *   uintptr_t pcs[64];
 *   int n = csc_stacktrace_capture(pcs, 64, 0);          // innermost first
 *   csc_frame_t frames[64];
 *   csc_stacktrace_symbolicate(pcs, (size_t)n, frames);  // oldest first
 *   json_t *images = csc_debug_images();                 // caller owns
 *
 * or, all in one: csc_capture_exception_here("MyError", "it broke", NULL, id).
 *
 * Linux/glibc (ELF, dl_iterate_phdr, dladdr). Function names come from the
 * dynamic symbol table: link executables with -rdynamic (and keep frame
 * pointers or unwind tables, the default on x86_64) to see their own functions;
 * file and line are left to Sentry's server-side symbolication via debug_meta.
 *
 * Thread safety: every function here may be called from any thread at any
 * time. None of them is async-signal-safe (they take locks and allocate).
 */
#ifndef CSCOPE_STACKTRACE_H
#define CSCOPE_STACKTRACE_H

#include <jansson.h>

#include "common.h"
#include "options.h" /* csc_envelope_t, used by event.h */
#include "capture.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Frames csc_capture_exception_here keeps at most (innermost ones win). */
#define CSC_STACKTRACE_MAX_FRAMES 128

/**
 * Unwinds the calling thread into `addrs` (instruction addresses, innermost
 * first: addrs[0] lies in the function that called csc_stacktrace_capture). `skip` drops that
 * many further innermost frames (e.g. 1 to hide a helper that calls this).
 * Returns the number of addresses written (<= max), or CSC_ERR_NULL when
 * `addrs` is NULL and `max` > 0. Addresses other than addrs[0] are return
 * addresses, reported as they are (Sentry adjusts them for lookup).
 */
CSC_API int csc_stacktrace_capture(uintptr_t *addrs, size_t max, size_t skip);

/**
 * Walks the calling thread's frame-pointer chain exactly as Swift's Runtime
 * FramePointerUnwinder does on Linux (same reads, same stops: a null or
 * misaligned frame pointer, a saved frame pointer that does not grow, a null
 * return address), without its per-frame symbol lookups. Writes return
 * addresses into `pcs` (innermost first: pcs[0] returns into the caller of this
 * function, unless skipped) and into `fps[i]` the frame pointer of the frame
 * pcs[i] returns into (what csc_stacktrace_walk_async needs). `skip` drops that
 * many innermost frames. Returns the count (== max: there may be more), or
 * CSC_ERR_NULL. Frames of code built without frame pointers end the walk.
 * Used by the Swift overlay for stacks whose addresses it has symbolicated
 * before (it knows which of them are Swift async frames).
 */
CSC_API int csc_stacktrace_walk_fp(uintptr_t *pcs, uintptr_t *fps, size_t max, size_t skip);

/**
 * The resume points of a Swift async frame's callers: reads the async context
 * stored just below the frame record at `fp` (a frame pointer from
 * csc_stacktrace_walk_fp whose function is an async resume function) and
 * follows the context chain ({parent, resume function} at the start of each
 * context), as Runtime's unwinder does. Writes at most `max` resume addresses
 * (reported as they are, not return addresses). Returns the count, or
 * CSC_ERR_NULL. Only valid while the task that owns `fp` is blocked in the
 * caller (the contexts are the task's live frames).
 */
CSC_API int csc_stacktrace_walk_async(uintptr_t fp, uintptr_t *pcs, size_t max);

/**
 * Sentry's frames array built from per-frame templates: element i is a fresh
 * copy of the flat object `templates[i]` (string, number, boolean and null
 * members; NULL gives `{}`) followed by `"in_app": in_app[i]` when in_app[i] is
 * 0 or 1 (left out when -1, or when `in_app` is NULL). The templates are only
 * read, so several threads may build from the same ones at once. CALLER OWNS.
 * NULL on OOM, or when `templates` is NULL and `n` > 0.
 */
CSC_API json_t *csc_stacktrace_frames_json(const json_t *const *templates, const signed char *in_app, size_t n);

/**
 * A reference to `value` for one more event: `value` itself with its reference
 * count raised (jansson 2.11+: atomic counts, and serialization and deep copies
 * that only read), else a deep copy. Only for values that nobody changes after
 * they are built (the Swift overlay's cached frames arrays and debug_meta
 * images): an event's processors and before_send get a deep copy of the event
 * (csc_capture_event), so they never change a shared value. CALLER OWNS the
 * result. NULL when `value` is NULL (or on OOM).
 */
CSC_API json_t *csc_stacktrace_share(json_t *value);
/**
 * Drops a reference to a shared value (the owner's, or one csc_stacktrace_share
 * gave): json_decref with an atomic read of the count, for values other threads
 * reference at the same time. NULL is ignored.
 */
CSC_API void csc_stacktrace_unshare(json_t *value);

/**
 * Symbolicates `n` addresses as captured by csc_stacktrace_capture (innermost
 * first) into `frames_out[0..n)`, ORDERED OLDEST FIRST as Sentry wants
 * (frames_out[n-1] describes addrs[0]). Per frame: instruction_addr; function
 * (dladdr's symbol, demangled for C++ when __cxa_demangle and for Swift when
 * swift_demangle is linked into the process; NULL when unknown); package (the
 * image's path, the main executable's real path); in_app (1 for the main
 * executable, 0 for libc, libm, libstdc++, libgcc_s, ld-linux, the vDSO, the
 * Swift runtime and core libraries (libswift*, libFoundation*, libdispatch,
 * libBlocksRuntime) and CScopeCore's shared library, -1 for any other image).
 * Other fields are zeroed.
 *
 * OWNERSHIP: the strings belong to the SDK's symbol table and stay valid for
 * the life of the process (names are interned and never freed; memory grows
 * only with the number of distinct symbols ever seen). Do not free them.
 *
 * Results are cached per address (a bounded table, emptied when full or when
 * images are loaded or unloaded), so symbolicating the same stack again costs
 * a few hash lookups. Returns n, or CSC_ERR_NULL.
 */
CSC_API int csc_stacktrace_symbolicate(const uintptr_t *addrs, size_t n, csc_frame_t *frames_out);

/** Counters of the symbol cache since the process started (or the last reset). Either pointer may be NULL. */
CSC_API void csc_stacktrace_cache_stats(uint64_t *hits, uint64_t *misses);
/** Empties the address cache and zeroes its counters (interned strings stay valid). For tests. */
CSC_API void csc_stacktrace_cache_reset(void);

/**
 * A number that changes whenever an image is loaded or unloaded (glibc's
 * dlpi_adds + dlpi_subs). Cheap: one dl_iterate_phdr step. Caches keyed on
 * loaded images (this one's, the Swift overlay's) compare it to notice changes.
 */
CSC_API uint64_t csc_image_generation(void);

/**
 * Sentry's `debug_meta.images` for every loaded ELF image: an array of
 * `{"type": "elf", "code_file", "image_addr": "0x...", "image_size",
 * "code_id": hex of the GNU build-id note, "debug_id": the build id's first 16
 * bytes as a little-endian GUID, "arch"}`. Images without a build id have no
 * code_id/debug_id. CALLER OWNS the returned array (a copy of a cache that is
 * rebuilt when csc_image_generation() changes). NULL on OOM.
 */
CSC_API json_t *csc_debug_images(void);

/**
 * csc_debug_images() restricted to the images that contain at least one of the
 * `n` addresses (instruction addresses of the frames an event carries), in the
 * same order; an image contains an address in [image_addr, image_addr + image_size).
 * Keeps events small: a Swift server process maps 30+ images, a stack trace
 * touches a few. CALLER OWNS the returned array (empty when no image matches).
 * NULL on OOM or when `addrs` is NULL and `n` > 0. Cost: a lock, n x images
 * comparisons, a copy of the matching images.
 */
CSC_API json_t *csc_debug_images_for(const uintptr_t *addrs, size_t n);

/**
 * The calling thread's id as Sentry's `threads` interface wants it (Linux:
 * gettid(), the id `ps -L` and crash reports show), whether it is the
 * process's main thread (its id equals the process id), and its name
 * (pthread_getname_np) copied into `name` (`name_cap` bytes, "" if unknown;
 * `name` may be NULL). Cheap: the id is read once per thread (again in a
 * forked child), the name with one system call if wanted.
 */
CSC_API uint64_t csc_current_thread(int *is_main, char *name, size_t name_cap);

/**
 * Sentry's `threads` for the calling thread: `{"values": [{"id", "name" (left
 * out when empty), "current": true, "crashed": false, "main", "stacktrace":
 * stacktrace}]}` with csc_current_thread's id, main-ness and name (read on
 * every call). Consumes `stacktrace` (`{"frames": [...]}`). With `shared`
 * (`stacktrace` is a value nobody changes, see csc_stacktrace_share), the
 * result is shared too: a thread's next call with the same `stacktrace` and
 * an unchanged name returns the same value (one reference per call; the
 * thread keeps one until its next call with another stack, or its exit).
 * CALLER OWNS. NULL when the thread's name is not valid UTF-8, or on OOM:
 * then `stacktrace` is NOT consumed (the caller builds the value itself).
 */
CSC_API json_t *csc_stacktrace_threads_json(json_t *stacktrace, int shared);

/**
 * Captures an exception with the calling thread's stack trace: unwinds here,
 * symbolicates, attaches `debug_meta.images` and captures the event through
 * csc_capture_event (mechanism "generic", handled). The SDK's own frames
 * (this function and anything named csc_*) are left out, so the innermost
 * frame is the caller. `type` or `value` may be NULL, not both. `scopes` and
 * `event_id_out` as for csc_capture_event. Returns csc_capture_event's code,
 * CSC_ERR_INVALID or CSC_ERR_NOMEM.
 */
CSC_API int csc_capture_exception_here(const char *type, const char *value, const csc_scopes_t *scopes,
                                       char *event_id_out);

/**
 * Builds (without capturing) what csc_capture_exception_here would send: an
 * exception event with the caller's frames and debug_meta. CALLER OWNS. `skip`
 * drops further innermost frames (e.g. a wrapper of the host's own).
 */
CSC_API json_t *csc_event_new_exception_here(const char *type, const char *value, size_t skip);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_STACKTRACE_H */

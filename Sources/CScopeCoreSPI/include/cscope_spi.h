/*
 * cscope_spi.h: CScopeCore calls that only the Swift overlay (Sources/Sentry) and
 * the SDK's own tests use. NOT public API: no stability promise, not installed
 * by CMake, not part of <cscope.h>. The functions are implemented and exported
 * by CScopeCore (so the overlay links against them); this header and the
 * SwiftPM target CScopeCoreSPI only declare them. The overlay imports them with
 * `internal import CScopeCoreSPI`, so they do not leak into its public interface;
 * the C tests include this header from the source tree.
 *
 * Stack traces (Sources/CScopeCore/stacktrace/, docs/stack-traces.md): the
 * overlay walks frame pointers itself, symbolicates Swift frames with its own
 * cache, builds frames JSON from per-frame templates, and shares immutable
 * stacktrace/debug_meta values between events.
 *
 * Thread safety: every function here may be called from any thread at any
 * time. None of them is async-signal-safe.
 */
#ifndef CSCOPE_SPI_H
#define CSCOPE_SPI_H

#include <cscope.h>

#ifdef __cplusplus
extern "C" {
#endif

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

/* ------------------------------------------------------------ timestamps */

/**
 * Formats `us` (microseconds since the Unix epoch) as Sentry's ISO-8601 UTC
 * timestamp `YYYY-MM-DDTHH:MM:SS.ffffffZ` into `out` (NUL-terminated; years
 * outside 0000-9999 are clamped). Returns the length (27). The one formatter
 * of the SDK: the core's events, breadcrumbs and the Swift overlay's values.
 */
CSC_API size_t csc_timestamp_format(int64_t us, char out[32]);

/**
 * Parses `YYYY-MM-DD[(T| )HH:MM[:SS][(.|,)f+][Z|(+|-)HH[:]MM]]` (no offset =
 * UTC; fractions beyond microseconds are cut) into microseconds since the Unix
 * epoch. Returns false (and leaves `*us` alone) when `text` is NULL or
 * malformed. The one parser of the SDK (before_breadcrumb results, breadcrumbs
 * read back in Swift).
 */
CSC_API bool csc_timestamp_parse(const char *text, int64_t *us);

/* ------------------------------------------------------------ spans */

/**
 * Sets the start time of `span` (a transaction or a child) to `start_us`,
 * microseconds since the Unix epoch, in place of the moment it was started:
 * for spans whose start a caller reports (swift-distributed-tracing's
 * `startSpan(at:)`); the end time is csc_span_finish_ex's `end_us`. Returns
 * CSC_ERR_NULL, CSC_ERR_INVALID (`start_us` <= 0, or the span is finished) or
 * CSC_OK.
 */
CSC_API int csc_span_set_start_timestamp(csc_span_t *span, int64_t start_us);

/**
 * csc_span_start_child, started at `start_us` (microseconds since the Unix
 * epoch; <= 0: now) without reading the clock. Caller releases.
 */
CSC_API csc_span_t *csc_span_start_child_at(csc_span_t *parent, const char *op, const char *description,
                                            int64_t start_us);

/**
 * Sets the function the core calls once, with `ctx`, when it is done with `opts` and with the
 * user data of every callback set on them (before_send, before_breadcrumb, transport,
 * logger): after the client they started was closed or replaced and no callback of theirs
 * runs or can start any more (a capture, a transport worker or a log line on another
 * thread holds the options until it returns); when csc_init rejects them; or when
 * csc_options_free frees options never passed to csc_init. The logger of the last
 * csc_init stays in use after csc_close (diagnostics of a later csc_init go there): its
 * options are released when the next csc_init replaces it. May run on any thread; must not
 * call into the SDK. The Swift overlay frees its callback boxes here. Returns CSC_ERR_NULL
 * when `opts` is NULL.
 */
CSC_API int csc_options_set_release_hook(csc_options_t *opts, void (*fn)(void *ctx), void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_SPI_H */

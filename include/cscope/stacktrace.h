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
 *
 * These are the calls a C or C++ host needs to report an error with a stack
 * trace. The building blocks the Swift overlay uses for its own stack traces
 * (frame-pointer and async walks, shared frame JSON, per-thread `threads`
 * values, cache counters) are not public API: they live in the overlay's SPI
 * header, Sources/CScopeCoreSPI/include/cscope_spi.h, which is not installed.
 */
#ifndef CSCOPE_STACKTRACE_H
#define CSCOPE_STACKTRACE_H

#include <jansson.h>

#include "common.h"
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

/**
 * Sentry's `debug_meta.images` for every loaded ELF image: an array of
 * `{"type": "elf", "code_file", "image_addr": "0x...", "image_size",
 * "code_id": hex of the GNU build-id note, "debug_id": the build id's first 16
 * bytes as a little-endian GUID, "arch"}`. Images without a build id have no
 * code_id/debug_id. CALLER OWNS the returned array (a copy of a cache that is
 * rebuilt when an image is loaded or unloaded). NULL on OOM.
 */
CSC_API json_t *csc_debug_images(void);

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

/*
 * cscope/crash.h: crash reporting. On SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT
 * and SIGTRAP (Swift runtime traps arrive as SIGILL or SIGTRAP) a signal handler
 * writes a fatal event, with the crashing thread's stack and the scopes as they
 * were at that moment, into the cache directory (csc_options_set_cache_dir);
 * the next csc_init hands it to the disk cache and the HTTP transport sends it
 * like any cached envelope (with a custom transport, csc_options_set_transport,
 * the report is handed to that transport once the client is live).
 *
 *   csc_options_t *o = csc_options_new();
 *   csc_options_set_dsn(o, dsn);
 *   csc_options_set_cache_dir(o, "/var/cache/myapp/sentry");  // turns crash reporting on
 *   csc_init(o);
 *   if (csc_crashed_last_run()) ...                            // the report is being sent
 *
 * The event: level "fatal"; exception type = the signal name ("SIGSEGV"), value
 * its description ("Segmentation fault"); mechanism {type "signal", handled
 * false, meta.signal {number, code, name}}; the stack of the crashing thread
 * from the interrupted context (frame-pointer walk: instruction addresses only)
 * with debug_meta.images captured before the crash, so Sentry symbolicates it
 * server-side from uploaded debug files (and the next start adds dladdr
 * function names for frames of images loaded again, e.g. the same binary); tags, extra, contexts, user and
 * breadcrumbs of the global scope and of the crashing thread's isolation and
 * current scopes; the default os/device/runtime contexts (unless a scope sets
 * one of those); release, environment, dist, server_name of the options.
 *
 * Chaining: csc_init installs the handlers on top of whatever is installed
 * (the Swift runtime's backtracer, a host's handler); after writing its report
 * the handler restores those and calls the previous one with the original
 * signal context; if it returns, the signal takes its course again, so the
 * process dies by the same signal. csc_close restores the previous handlers.
 * See docs/crash-reporting.md.
 *
 * Thread safety: every function may be called from any thread. None is
 * async-signal-safe (the handler itself is, see docs/crash-reporting.md).
 */
#ifndef CSCOPE_CRASH_H
#define CSCOPE_CRASH_H

#include "common.h"
#include "options.h"
#include "scope.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Crash reporting on or off. Default: ON whenever a cache directory is set (the
 * report needs somewhere to go; without one it stays off, also when enabled
 * here). Turn it off when another crash reporter owns the fatal signals.
 */
CSC_API int csc_options_set_crash_handler(csc_options_t *opts, bool enabled);

/**
 * True when csc_init found the marker that the crash handler of a previous run
 * left in the cache directory (the marker is removed: the next run reads false
 * unless it crashes too). The crash report itself is an ordinary cached
 * envelope that the HTTP transport sends (or that a custom transport receives).
 */
CSC_API bool csc_crashed_last_run(void);

/** True while the crash handlers are installed. */
CSC_API bool csc_crash_handler_installed(void);

/**
 * Registers the scopes the calling thread runs with, for hosts whose scopes do
 * not live in the SDK's default thread-local storage (e.g. the Swift overlay's
 * task-local scopes, see csc_set_scope_storage): a crash on this thread reports
 * these instead of the default storage's. Both are RETAINED until replaced or
 * the thread exits; NULL, NULL unregisters. Cost: four atomic reference-count
 * updates when the pointers change, nothing when they do not.
 */
CSC_API int csc_crash_set_thread_scopes(csc_scope_t *isolation, csc_scope_t *current);

/**
 * Gives the calling thread an alternate signal stack (64 KiB, freed when the
 * thread exits) so a stack overflow on it is reported too, unless it has one
 * already. Done automatically for the thread calling csc_init and for threads
 * that create their default-storage scopes or register scopes afterwards.
 */
CSC_API int csc_crash_thread_init(void);

/**
 * Rebuilds the list of loaded images (debug_meta) the handler writes: call it
 * after dlopen'ing libraries whose frames should be symbolicated. csc_init
 * captures the list once. CSC_ERR_DISABLED when the handler is not installed.
 */
CSC_API int csc_crash_refresh_images(void);

#ifdef __cplusplus
}
#endif
#endif /* CSCOPE_CRASH_H */

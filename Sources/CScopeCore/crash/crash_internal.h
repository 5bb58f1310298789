/* Internal: crash reporting (cscope/crash.h). The signal handler writes a fatal
 * event envelope into the cache directory; the next start hands it to the
 * transport's disk cache, which sends it.
 *
 * Files: crash_config.c (options, install/uninstall, last-run marker, thread
 * registration, alternate stacks), crash_handler.c (the signal handler and
 * chaining), crash_event.c (the envelope file), crash_scope.c (reading the
 * scopes), unwind_fp.c (the frame-pointer unwinder), sigwriter.c (signal-safe
 * JSON output), crash_pending.c (next start: pending report -> cached envelope,
 * with function names for frames of the same binary).
 * Signal-safe: crash_handler.c, crash_event.c, crash_scope.c, unwind_fp.c,
 * sigwriter.c. Ordinary threads only: crash_config.c, crash_pending.c.
 *
 * Layering: crash depends on scope (reading scopes, csc__tiers_peek_*), stacktrace,
 * transport (the disk cache), event, options and support; only the client calls it:
 * csc__crash_detect_last_run / csc__crash_install / csc__crash_uninstall (client.c).
 * csc__crash_install hands csc__crash_thread_attach to the tiers (csc__tiers_set_thread_hook)
 * rather than tiers.c calling up into crash. */
#ifndef CSC_CRASH_INTERNAL_H
#define CSC_CRASH_INTERNAL_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

#include "options/options_internal.h"
#include "scope/scope_internal.h"
#include "cscope/crash.h"

#define CSC__CRASH_TLS             _Thread_local __attribute__((tls_model("initial-exec")))
#define CSC__CRASH_MAX_FRAMES      128
#define CSC__CRASH_MARKER          "cscope-crash.marker"
#define CSC__CRASH_PENDING_SUFFIX  "-crash.pending"  /* written by the handler; ignored by the disk cache */
#define CSC__CRASH_FINAL_SUFFIX    "-crash.envelope" /* what the next start renames it to */
#define CSC__CRASH_NSIG            6
#define CSC__CRASH_MAX_DEFAULT_CTX 4

/* ---- hooks for the core (not signal-safe; called on ordinary threads) */
/* csc_init: looks for the marker left by a crash of the previous run (and removes it). */
void csc__crash_detect_last_run(const csc_options_t *opts);
/* csc_init, before the transport starts: renames the previous runs' "*-crash.pending" reports to
 * "*-crash.envelope" for the transport, symbolicating frames of images loaded again (crash_pending.c). */
void csc__crash_promote_pending(const char *cache_dir, bool symbolicate);
/* With a custom transport (nothing reads the disk cache): hands each "*-crash.envelope" of
 * cache_dir, oldest first, to `fn` (which takes ownership) and removes the file (before the
 * call: at most once). Called by csc__crash_install, i.e. once a client is live (crash_pending.c). */
void csc__crash_hand_to_transport(const char *cache_dir, csc_transport_fn fn, void *user_data);
/* publish(client): installs (or reconfigures) the handlers when enabled for `opts`; with a custom
 * transport, first hands it the crash reports of previous runs (csc__crash_hand_to_transport). */
void csc__crash_install(const csc_options_t *opts);
/* publish(NULL): restores the previous handlers (if ours are still installed). */
void csc__crash_uninstall(void);
/* A thread starts using the SDK: gives it an alternate signal stack when the handler is on. Cheap when done.
 * Called by csc_crash_set_thread_scopes, csc__crash_install and, through the tiers' thread hook, tiers.c. */
void csc__crash_thread_attach(void);

/* ---- shared between the crash files */

/* Everything the handler needs, prepared at install time, immutable afterwards
 * (a reinstall publishes a new one and leaks the old: a handler may be reading it). */
typedef struct csc__crash_config_s {
    char *cache_dir;
    char *static_json; /* ,"release":..,"environment":..,"platform":..,"sdk":..,"debug_meta":{..} */
    size_t static_len;
    char event_id[33]; /* pre-generated; the last hex digits are varied per crash */
    size_t max_breadcrumbs;
    bool scrub;      /* !send_default_pii */
    int probe_fd[2]; /* a pipe: write(2) from an address tells whether it is readable */
    /* the default contexts (os, device, runtime), each pre-rendered as "key":{...}; written
     * into the event's contexts unless a scope has a context of that name */
    struct {
        char key[16];
        uint32_t klen, hash;
        char *json;
        size_t len;
    } defaults[CSC__CRASH_MAX_DEFAULT_CTX];
    int n_defaults;
} csc__crash_config_t;

extern _Atomic(csc__crash_config_t *) csc__crash_cfg;

/* The calling thread's registered scopes (csc_crash_set_thread_scopes), retained; NULL when none. */
void csc__crash_registered_scopes(csc_scope_t **isolation, csc_scope_t **current);

/* Unwinds from the interrupted context: frames[0] is the faulting PC, then return
 * addresses. Async-signal-safe (memory is probed through cfg->probe_fd). */
enum { CSC__TRUST_CONTEXT, CSC__TRUST_PROLOGUE, CSC__TRUST_FP, CSC__TRUST_SCAN }; /* Sentry's frame.trust */
int csc__crash_unwind(const ucontext_t *uc, const csc__crash_config_t *cfg, uintptr_t *frames, uint8_t *trust, int max);

/* Writes the fatal event envelope for `sig` into the cache directory and the
 * marker. Async-signal-safe. Returns true when the envelope was written. */
bool csc__crash_write(const csc__crash_config_t *cfg, int sig, const siginfo_t *si, const ucontext_t *uc);

/* Signal names and descriptions (static strings). */
const char *csc__crash_signal_name(int sig);
const char *csc__crash_signal_description(int sig, int code);

/* Test hook: when set, csc__crash_write faults (once) while writing, to exercise the re-entry guard. */
extern volatile int csc__crash_test_fault_in_handler;

#endif

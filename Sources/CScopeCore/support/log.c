/* The SDK's diagnostics: a logger callback (or stderr) and a debug switch. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "log.h"
#include "util.h"

typedef struct {
    csc_logger_fn fn;
    void *data;
    void (*retain)(void *), (*release)(void *);
    void *owner;
} logger_t;
static csc__lock_t g_logger_lock;
static logger_t g_logger; /* guarded by g_logger_lock */
static atomic_bool g_debug;

void csc__log_set_logger(csc_logger_fn fn, void *data, void (*retain)(void *), void (*release)(void *), void *owner) {
    if (!owner || !retain || !release) {
        owner = NULL;
        retain = NULL;
        release = NULL;
    }
    if (owner) retain(owner);
    csc__lock(&g_logger_lock);
    logger_t old = g_logger;
    g_logger = (logger_t){fn, data, retain, release, owner};
    csc__unlock(&g_logger_lock);
    if (old.owner) old.release(old.owner); /* outside the lock: it may free the old user data */
}

void csc__log_set_debug(bool on) { atomic_store(&g_debug, on); }

static void vlog(const char *fmt, va_list ap) {
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    csc__lock(&g_logger_lock);
    logger_t l = g_logger;
    if (l.owner) l.retain(l.owner);
    csc__unlock(&g_logger_lock);
    if (l.fn)
        l.fn(line, l.data);
    else
        fprintf(stderr, "[sentry] %s\n", line);
    if (l.owner) l.release(l.owner);
}

void csc__debug_log(const char *fmt, ...) {
    if (!atomic_load_explicit(&g_debug, memory_order_relaxed)) return;
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

void csc__log_always(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

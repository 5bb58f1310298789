/* The calling thread as Sentry's threads interface describes it. */
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stacktrace_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

/* The thread's id and main-ness never change, so they are read once per thread
 * (two system calls saved per capture); a forked child starts over (its only
 * thread has a new id and is the child's main thread). The name can be changed
 * at any time and is read on every call. */
static __thread uint64_t cached_tid;
static __thread int cached_is_main;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* The last `threads` value built for this thread with a shared stacktrace (see
 * csc_stacktrace_threads_json): reused while the stacktrace and the name stay the same.
 * It holds a reference to `tl_stacktrace`, so that address cannot be reused meanwhile.
 * Released at thread exit (tl_key's destructor). */
static __thread json_t *tl_threads;
static __thread const json_t *tl_stacktrace;
static __thread char tl_name[64];
static pthread_key_t tl_key;
static int tl_key_ok;

static void release_threads(void *value) {
    if (value == tl_threads) { /* runs on the exiting thread: a later capture there starts over */
        tl_threads = NULL;
        tl_stacktrace = NULL;
    }
    csc_stacktrace_unshare((json_t *)value);
}

static void drop_cached_threads(void) {
    if (tl_threads) csc_stacktrace_unshare(tl_threads);
    tl_threads = NULL;
    tl_stacktrace = NULL;
    if (tl_key_ok) pthread_setspecific(tl_key, NULL);
}

static void reset_in_child(void) {
    cached_tid = 0;
    drop_cached_threads(); /* the child's thread has another id */
}
static void register_atfork(void) {
    pthread_atfork(NULL, NULL, reset_in_child);
    tl_key_ok = pthread_key_create(&tl_key, release_threads) == 0;
}

uint64_t csc_current_thread(int *is_main, char *name, size_t name_cap) {
    if (!cached_tid) {
        pthread_once(&atfork_once, register_atfork);
        pid_t tid = (pid_t)syscall(SYS_gettid);
        cached_is_main = tid == getpid();
        cached_tid = (uint64_t)tid;
    }
    if (is_main) *is_main = cached_is_main;
    if (name && name_cap) {
        name[0] = '\0';
        if (pthread_getname_np(pthread_self(), name, name_cap) != 0) name[0] = '\0';
    }
    return cached_tid;
}

/* Well-formed UTF-8 (what json_string accepts): no overlongs, surrogates or values past U+10FFFF. */
static int valid_utf8(const unsigned char *s) {
    while (*s) {
        unsigned c = *s;
        size_t n;
        unsigned min;
        if (c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            min = 0x80;
            c &= 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            min = 0x800;
            c &= 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            min = 0x10000;
            c &= 0x07;
        } else
            return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((s[i] & 0xC0) != 0x80) return 0;
            c = (c << 6) | (s[i] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
        s += n + 1;
    }
    return 1;
}

static json_t *build_threads(json_t *stacktrace, const char *name) {
    int is_main = 0;
    uint64_t tid = csc_current_thread(&is_main, NULL, 0);
    json_t *thread = json_object(), *values = json_array(), *threads = json_object();
    if (!thread || !values || !threads) {
        json_decref(thread), json_decref(values), json_decref(threads);
        return NULL; /* stacktrace not consumed */
    }
    json_object_set_new_nocheck(thread, "id", json_integer((json_int_t)tid));
    if (*name) json_object_set_new_nocheck(thread, "name", json_string_nocheck(name));
    json_object_set_new_nocheck(thread, "current", json_true());
    json_object_set_new_nocheck(thread, "crashed", json_false());
    json_object_set_new_nocheck(thread, "main", is_main ? json_true() : json_false());
    json_object_set_new_nocheck(thread, "stacktrace", stacktrace);
    json_array_append_new(values, thread);
    json_object_set_new_nocheck(threads, "values", values);
    return threads;
}

json_t *csc_stacktrace_threads_json(json_t *stacktrace, int shared) {
    if (!stacktrace) return NULL;
    char name[64];
    name[0] = '\0';
    csc_current_thread(NULL, name, sizeof name);
    name[sizeof name - 1] = '\0';
    if (!valid_utf8((const unsigned char *)name)) return NULL; /* not consumed: the caller builds it */
#if CSC_CAN_SHARE_JSON
    if (shared) {
        if (tl_threads && tl_stacktrace == stacktrace && strcmp(tl_name, name) == 0) {
            csc_stacktrace_unshare(stacktrace); /* tl_threads holds a reference of its own */
            return csc_stacktrace_share(tl_threads);
        }
        json_t *threads = build_threads(stacktrace, name);
        if (!threads) return NULL;
        drop_cached_threads();
        if (tl_key_ok) {
            tl_threads = csc_stacktrace_share(threads);
            tl_stacktrace = stacktrace;
            memcpy(tl_name, name, sizeof tl_name);
            pthread_setspecific(tl_key, tl_threads);
        }
        return threads;
    }
#else
    (void)shared;
#endif
    return build_threads(stacktrace, name);
}

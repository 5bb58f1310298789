/* The calling thread as Sentry's threads interface describes it. */
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stacktrace_internal.h"

/* The thread's id and main-ness never change, so they are read once per thread
 * (two system calls saved per capture); a forked child starts over (its only
 * thread has a new id and is the child's main thread). The name can be changed
 * at any time and is read on every call. */
static __thread uint64_t cached_tid;
static __thread int cached_is_main;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void reset_in_child(void) { cached_tid = 0; }
static void register_atfork(void) { pthread_atfork(NULL, NULL, reset_in_child); }

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

/* The calling thread as Sentry's threads interface describes it. */
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "stacktrace_internal.h"

uint64_t csc_current_thread(int *is_main, char *name, size_t name_cap) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    if (is_main) *is_main = tid == getpid();
    if (name && name_cap) {
        name[0] = '\0';
        if (pthread_getname_np(pthread_self(), name, name_cap) != 0) name[0] = '\0';
    }
    return (uint64_t)tid;
}

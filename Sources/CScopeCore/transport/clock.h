/* Internal: monotonic milliseconds and absolute timespecs for condition waits. */
#ifndef CSC_TRANSPORT_CLOCK_H
#define CSC_TRANSPORT_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t csc__mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A CLOCK_MONOTONIC timespec for `at_ms` (pthread_cond_timedwait on a monotonic condvar). */
static inline struct timespec csc__mono_ts(int64_t at_ms) {
    struct timespec ts;
    ts.tv_sec = at_ms / 1000;
    ts.tv_nsec = (at_ms % 1000) * 1000000;
    return ts;
}

#endif

/* The fatal-signal handler: writes the crash envelope (crash_event.c) once,
 * then restores the previous handlers and chains to them, so SWIFT_BACKTRACE's
 * backtracer or a host's handler still runs and the process still dies by the
 * same signal.
 *
 * SIGNAL SAFETY: the handler uses only async-signal-safe calls (sigaction,
 * sigprocmask, raise, nanosleep, syscall(gettid)) and atomics. Re-entry on the
 * same thread (a fault inside the handler) is recovered while reading scopes,
 * otherwise the signal's default action is restored and the signal re-raised:
 * the process ends, it never hangs. A second thread crashing meanwhile waits
 * (bounded) for the first report, then chains. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "crash_internal.h"

const int csc__crash_signals[CSC__CRASH_NSIG] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
struct sigaction csc__crash_prev[CSC__CRASH_NSIG];

_Atomic(csc__crash_config_t *) csc__crash_cfg;
atomic_int csc__crash_active;   /* handlers running (the config is not freed meanwhile) */
static atomic_long g_owner_tid; /* the thread writing the report, 0 = none */
static atomic_int g_report_done;

bool csc__crash_recover_fault(void); /* crash_event.c: siglongjmps when inside the scope phase */
void csc__crash_signal_handler(int sig, siginfo_t *si, void *ucv);

const char *csc__crash_signal_name(int sig) {
    switch (sig) {
        case SIGSEGV: return "SIGSEGV";
        case SIGBUS: return "SIGBUS";
        case SIGILL: return "SIGILL";
        case SIGFPE: return "SIGFPE";
        case SIGABRT: return "SIGABRT";
        case SIGTRAP: return "SIGTRAP";
        default: return "SIGNAL";
    }
}

const char *csc__crash_signal_description(int sig, int code) {
    switch (sig) {
        case SIGSEGV: return "Segmentation fault";
        case SIGBUS: return "Bus error";
        case SIGILL: return "Illegal instruction";
        case SIGFPE: return code == FPE_INTDIV ? "Integer divide by zero" : "Floating point exception";
        case SIGABRT: return "Aborted";
        case SIGTRAP: return "Trace/breakpoint trap";
        default: return "Fatal signal";
    }
}

static int sig_index(int sig) {
    for (int i = 0; i < CSC__CRASH_NSIG; i++)
        if (csc__crash_signals[i] == sig) return i;
    return -1;
}

static void restore_previous(void) {
    for (int i = 0; i < CSC__CRASH_NSIG; i++) sigaction(csc__crash_signals[i], &csc__crash_prev[i], NULL);
}

static void unblock(int sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* Default action + re-raise: the process ends by `sig` (for a fault, when the instruction re-executes). */
static void die_by(int sig) {
    struct sigaction dfl;
    dfl.sa_handler = SIG_DFL;
    dfl.sa_flags = 0;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    unblock(sig);
    raise(sig);
}

static void chain(int sig, siginfo_t *si, void *uc) {
    restore_previous();
    int i = sig_index(sig);
    const struct sigaction *prev = i >= 0 ? &csc__crash_prev[i] : NULL;
    if (prev && (prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction == csc__crash_signal_handler) {
        /* never ourselves (a handler installed over ours and then removed could leave that behind) */
    } else if (prev && (prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction) {
        prev->sa_sigaction(sig, si, uc); /* e.g. Swift's backtracer: give it the original context */
    } else if (prev && prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
        prev->sa_handler(sig);
    }
    /* The previous handler returned (or there was none). A hardware fault re-executes the
     * faulting instruction on return and meets the restored action; anything else
     * (abort, kill, a trap whose PC is past the trap instruction) is raised again. */
    if (si && si->si_code > 0 && sig != SIGTRAP && sig != SIGABRT) return;
    struct sigaction now;
    if (sigaction(sig, NULL, &now) == 0 && !(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_IGN) die_by(sig);
    unblock(sig);
    raise(sig);
}

static void wait_for_report(void) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 500 && !atomic_load(&g_report_done); i++) nanosleep(&ts, NULL); /* <= 5 s */
}

void csc__crash_signal_handler(int sig, siginfo_t *si, void *ucv) {
    int saved_errno = errno;
    long tid = (long)syscall(SYS_gettid);
    long owner = 0;
    if (!atomic_compare_exchange_strong(&g_owner_tid, &owner, tid)) {
        if (owner == tid) {
            /* a fault inside our own handler: recover if it was reading a scope, else give up */
            csc__crash_recover_fault(); /* returns only when not recoverable */
            die_by(sig);
            return;
        }
        wait_for_report(); /* another thread is writing its report: let it finish, then chain */
        chain(sig, si, ucv);
        errno = saved_errno;
        return;
    }
    atomic_fetch_add(&csc__crash_active, 1);
    csc__crash_config_t *cfg = atomic_load(&csc__crash_cfg);
    if (cfg) csc__crash_write(cfg, sig, si, (const ucontext_t *)ucv);
    atomic_fetch_sub(&csc__crash_active, 1);
    atomic_store(&g_report_done, 1);
    chain(sig, si, ucv);
    /* only reached when the process goes on (a previous handler recovered): allow another report */
    atomic_store(&g_report_done, 0);
    atomic_store(&g_owner_tid, 0);
    errno = saved_errno;
}

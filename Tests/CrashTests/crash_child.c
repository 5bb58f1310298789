/* Crash test child: sets up scopes (tags, user, breadcrumbs, contexts, extra),
 * then crashes the way argv[1] says. Driven by run_crash_tests.py.
 *
 *   crash_child <mode> <cache_dir> <dsn>
 *     crash modes: segv abort ill fpe bus trap thread overflow
 *                  handler_fault (fault while reading scopes: recovered, event without scopes)
 *                  handler_fault_fatal (fault outside the recoverable part: the process just dies)
 *                  corrupt_scope (a registered scope with a wild pointer)
 *                  unwritable (the cache dir is made read-only first)
 *                  chain (a host SIGSEGV handler installed before csc_init must still run)
 *                  two_threads (two threads fault at once), locked_scope (the isolation scope's lock is held)
 *     check: csc_init, prints "crashed_last_run=<0|1>", flushes the transport, exits 0.
 *
 * Before crashing it prints "FUNC <name> <address>" for the function expected in
 * the crash stack (the driver maps it to a symbol range with nm). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cscope.h>
#include <cscope/crash.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scope/scope_internal.h" /* corrupt_scope only */

extern volatile int csc__crash_test_fault_in_handler; /* internal test hook (crash_event.c) */

/* exported (linked with -rdynamic): the next start's symbolication finds them with dladdr */
#define NOINLINE __attribute__((noinline, noclone, visibility("default")))

static void announce(const char *name, void *fn) {
    printf("FUNC %s %p\n", name, fn);
    fflush(stdout);
}

static volatile int g_zero = 0;
static int *volatile g_null = NULL;

NOINLINE void crash_segv(void) {
    *g_null = 42;
    __asm__ volatile("");
}
NOINLINE void crash_abort(void) { abort(); }
NOINLINE void crash_ill(void) { __builtin_trap(); }
#if defined(__x86_64__) || defined(__i386__)
NOINLINE int crash_fpe(void) {
    volatile int a = 1;
    int r = a / g_zero;
    __asm__ volatile("");
    return r;
}
NOINLINE void crash_trap(void) {
    __asm__ volatile("int3");
    __asm__ volatile("");
}
#else
/* aarch64: an integer division by zero gives 0 (no trap), so SIGFPE is raised; brk is the breakpoint */
NOINLINE int crash_fpe(void) {
    volatile int a = 1;
    int r = a / (g_zero + 1);
    raise(SIGFPE);
    __asm__ volatile("");
    return r;
}
#if defined(__aarch64__)
NOINLINE void crash_trap(void) {
    __asm__ volatile("brk #0");
    __asm__ volatile("");
}
#else
NOINLINE void crash_trap(void) {
    raise(SIGTRAP);
    __asm__ volatile("");
}
#endif
#endif
NOINLINE int crash_bus(void) {
    char path[] = "/tmp/csc-crash-bus-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    unlink(path);
    volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0); /* empty file: access -> SIGBUS */
    if (p == MAP_FAILED) return -1;
    int r = p[0];
    __asm__ volatile("");
    return r;
}
static volatile int g_depth_limit = 1 << 30;
NOINLINE int crash_overflow(volatile char *prev, int depth) {
    volatile char big[4096];
    big[0] = prev ? prev[0] : 1;
    if (depth > g_depth_limit) return 0;
    return crash_overflow(big, depth + 1) + big[1];
}

static void *thread_main(void *arg) {
    (void)arg;
    csc_scope_t *iso = csc_scope_new(), *cur = csc_scope_new();
    csc_scope_set_tag(iso, "thread_tag", "worker");
    csc_scope_set_tag(cur, "mode", "thread");
    csc_crash_set_thread_scopes(iso, cur); /* retained by the registration */
    csc_scope_release(iso);
    csc_scope_release(cur);
    announce("crash_segv", (void *)crash_segv);
    crash_segv();
    return NULL;
}

static pthread_barrier_t g_barrier;
static void *crash_together(void *arg) {
    (void)arg;
    pthread_barrier_wait(&g_barrier);
    crash_segv();
    return NULL;
}

static void setup_scopes(const char *mode) {
    csc_scope_set_tag(csc_global_scope(), "global_tag", "g");
    csc_scope_set_tag(csc_global_scope(), "mode", "shadowed by the isolation scope");
    csc_scope_t *iso = csc_isolation_scope();
    csc_scope_set_tag(iso, "mode", mode);
    csc_scope_set_tag(iso, "quote", "say \"hi\" \u00e9\u2713"); /* escaping and UTF-8 (tags may not hold newlines) */
    csc_scope_set_extra(iso, "escapes",
                        json_string("line\nbreak\ttab\x01"
                                    "ctl \\ \"q\""));
    csc_scope_set_user(iso, json_pack("{s:s,s:s,s:i,s:s}", "id", "42", "email", "crash@example.com", "num", 7,
                                      "ip_address", "10.1.2.3"));
    csc_scope_set_context(iso, "runtime", json_pack("{s:s}", "name", "crash-runtime")); /* shadows the default */
    csc_scope_set_context(
        iso, "app_state",
        json_pack("{s:s,s:f,s:b,s:[i,i]}", "phase", "crashing", "ratio", 0.25, "ok", 0, "list", 1, 2));
    for (int i = 1; i <= 120; i++) {
        char msg[32];
        snprintf(msg, sizeof msg, "step %d", i);
        csc_kv_t kv = CSC_KV_INT64("i", i);
        csc_breadcrumb_t b = {
            .category = "test", .message = msg, .level = CSC_LEVEL_INFO, .data = &kv, .data_count = 1};
        csc_scope_add_breadcrumb(iso, &b);
    }
    csc_scope_t *cur = csc_current_scope();
    csc_scope_set_tag(cur, "current_tag", "c");
    csc_scope_set_extra(cur, "answer", json_integer(42));
    csc_scope_set_extra(cur, "password", json_string("hunter2")); /* scrubbed: send_default_pii is off */
    csc_breadcrumb_t last = {.category = "test", .message = "last before crash", .level = CSC_LEVEL_WARNING};
    csc_scope_add_breadcrumb(cur, &last);
}

/* A host's own handler, installed before csc_init: leaves a file behind, then lets the signal kill. */
static char g_host_file[4096];
static void host_handler(int sig, siginfo_t *si, void *uc) {
    (void)si;
    (void)uc;
    int fd = open(g_host_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        (void)!write(fd, "host handler ran\n", 17);
        close(fd);
    }
    signal(sig, SIG_DFL); /* returning re-executes the fault, which now kills */
}

static int init_sdk(const char *cache_dir, const char *dsn) {
    csc_options_t *o = csc_options_new();
    csc_options_set_dsn(o, dsn);
    csc_options_set_release(o, "crash-test@1.0");
    csc_options_set_environment(o, "crash-env");
    csc_options_set_cache_dir(o, cache_dir);
    csc_options_set_shutdown_timeout(o, 3000);
    if (getenv("CRASH_DEBUG")) csc_options_set_debug(o, true);
    return csc_init(o);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s <mode> <cache_dir> <dsn>\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1], *dir = argv[2], *dsn = argv[3];
    if (!strcmp(mode, "chain")) {
        snprintf(g_host_file, sizeof g_host_file, "%s/../host_handler_ran", dir);
        struct sigaction sa = {.sa_sigaction = host_handler, .sa_flags = SA_SIGINFO};
        sigaction(SIGSEGV, &sa, NULL);
    }
    if (init_sdk(dir, dsn) != CSC_OK) {
        fprintf(stderr, "csc_init failed\n");
        return 2;
    }
    if (!strcmp(mode, "check")) {
        printf("crashed_last_run=%d\n", csc_crashed_last_run() ? 1 : 0);
        fflush(stdout);
        int rc = csc_flush(10000);
        printf("flush=%s\n", csc_status_str(rc));
        csc_close();
        return 0;
    }
    if (!csc_crash_handler_installed()) {
        fprintf(stderr, "crash handler not installed\n");
        return 3;
    }
    setup_scopes(mode);
    if (!strcmp(mode, "segv")) {
        announce("crash_segv", (void *)crash_segv);
        crash_segv();
    } else if (!strcmp(mode, "abort")) {
        announce("crash_abort", (void *)crash_abort);
        crash_abort();
    } else if (!strcmp(mode, "chain")) {
        announce("crash_segv", (void *)crash_segv);
        crash_segv();
    } else if (!strcmp(mode, "ill")) {
        announce("crash_ill", (void *)crash_ill);
        crash_ill();
    } else if (!strcmp(mode, "fpe")) {
        announce("crash_fpe", (void *)crash_fpe);
        crash_fpe();
    } else if (!strcmp(mode, "trap")) {
        announce("crash_trap", (void *)crash_trap);
        crash_trap();
    } else if (!strcmp(mode, "bus")) {
        announce("crash_bus", (void *)crash_bus);
        crash_bus();
    } else if (!strcmp(mode, "overflow")) {
        announce("crash_overflow", (void *)crash_overflow);
        crash_overflow(NULL, 0);
    } else if (!strcmp(mode, "thread")) {
        pthread_t t;
        pthread_create(&t, NULL, thread_main, NULL);
        pthread_join(t, NULL);
    } else if (!strcmp(mode, "two_threads")) {
        /* two threads fault at once: one report, the other waits for it, then the process dies */
        pthread_t t[2];
        pthread_barrier_init(&g_barrier, NULL, 2);
        announce("crash_segv", (void *)crash_segv);
        for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, crash_together, NULL);
        for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    } else if (!strcmp(mode, "locked_scope")) {
        /* the crash happens while this thread holds its isolation scope's lock (as inside a scope write) */
        csc__lock(&csc_isolation_scope()->lock);
        announce("crash_segv", (void *)crash_segv);
        crash_segv();
    } else if (!strcmp(mode, "handler_fault")) {
        csc__crash_test_fault_in_handler = 1;
        announce("crash_segv", (void *)crash_segv);
        crash_segv();
    } else if (!strcmp(mode, "handler_fault_fatal")) {
        csc__crash_test_fault_in_handler = 2;
        announce("crash_segv", (void *)crash_segv);
        crash_segv();
    } else if (!strcmp(mode, "corrupt_scope")) {
        csc_scope_t *bad = csc_scope_new();
        csc_scope_set_tag(bad, "k", "v");
        csc_crash_set_thread_scopes(bad, NULL);
        bad->tags = (csc__map_t *)(uintptr_t)0x10; /* a wild pointer the handler will follow */
        announce("crash_segv", (void *)crash_segv);
        crash_segv();
    } else if (!strcmp(mode, "unwritable")) {
        chmod(dir, 0500);
        if (geteuid() == 0) rmdir(dir); /* root writes through modes: take the directory away instead */
        announce("crash_segv", (void *)crash_segv);
        crash_segv();
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    fprintf(stderr, "still alive after mode %s\n", mode);
    return 4;
}

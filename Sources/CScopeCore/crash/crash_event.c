/* The crash envelope: written by the signal handler into the cache directory
 * in the disk cache's file format, as "<20-digit µs>-<pid>-crash.pending"
 * (written as ".tmp", then renamed; the next start renames it to ".envelope"
 * for the transport: crash_pending.c), followed by the last-run marker.
 *
 * SIGNAL SAFETY: async-signal-safe: open/write/close/rename/clock_gettime/
 * getpid/syscall(gettid), plain memory, sigsetjmp/siglongjmp; static buffers
 * only. A fault while reading the scopes (a corrupted scope) is recovered: the
 * file is rewritten without scope data. A fault anywhere else ends the process
 * (crash_handler.c's re-entry guard). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <setjmp.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "crash_scope.h"

volatile int csc__crash_test_fault_in_handler;
static volatile int *volatile g_test_bad_ptr = (volatile int *)(uintptr_t)8;

static char g_buf[16384]; /* the writer's buffer (one crash is written at a time) */
static char g_tmp[4200], g_final[4200];
static sigjmp_buf g_scope_jmp;
static volatile sig_atomic_t g_in_scope_phase;
static csc__crash_scopes_t g_locked; /* released when a fault is recovered */

bool csc__crash_recover_fault(void) {
    if (!g_in_scope_phase) return false;
    g_in_scope_phase = 0;
    siglongjmp(g_scope_jmp, 1);
}

/* ---------------------------------------------------------------- paths */

static size_t cat(char *dst, size_t off, size_t cap, const char *s) {
    while (*s && off + 1 < cap) dst[off++] = *s++;
    dst[off] = 0;
    return off;
}

static void make_paths(const csc__crash_config_t *cfg, uint64_t us) {
    char num[21];
    size_t k = csc__sw_fmt_u64(num, us);
    char name[64];
    size_t n = 0;
    for (size_t i = k; i < 20; i++) name[n++] = '0';
    for (size_t i = 0; i < k; i++) name[n++] = num[i];
    name[n++] = '-';
    n += csc__sw_fmt_u64(name + n, (uint64_t)getpid());
    name[n] = 0;
    size_t off = cat(g_final, 0, sizeof g_final, cfg->cache_dir);
    off = cat(g_final, off, sizeof g_final, "/");
    off = cat(g_final, off, sizeof g_final, name);
    off = cat(g_final, off, sizeof g_final, CSC__CRASH_PENDING_SUFFIX);
    size_t t = cat(g_tmp, 0, sizeof g_tmp, g_final);
    cat(g_tmp, t, sizeof g_tmp, ".tmp");
}

/* ---------------------------------------------------------------- the event */

static const char *code_name(int sig, int code) {
    switch (sig) {
        case SIGSEGV: return code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR" : NULL;
        case SIGBUS:
            return code == BUS_ADRALN   ? "BUS_ADRALN"
                   : code == BUS_ADRERR ? "BUS_ADRERR"
                   : code == BUS_OBJERR ? "BUS_OBJERR"
                                        : NULL;
        case SIGILL:
            return code == ILL_ILLOPC   ? "ILL_ILLOPC"
                   : code == ILL_ILLOPN ? "ILL_ILLOPN"
                   : code == ILL_ILLTRP ? "ILL_ILLTRP"
                                        : NULL;
        case SIGFPE:
            return code == FPE_INTDIV   ? "FPE_INTDIV"
                   : code == FPE_INTOVF ? "FPE_INTOVF"
                   : code == FPE_FLTDIV ? "FPE_FLTDIV"
                                        : NULL;
        case SIGTRAP: return code == TRAP_BRKPT ? "TRAP_BRKPT" : NULL;
        default: return NULL;
    }
}

static void write_registers(csc__sw_t *w, const ucontext_t *uc) {
#if defined(__x86_64__)
    static const struct {
        const char *name;
        int reg;
    } regs[] = {
        {"rax", REG_RAX}, {"rbx", REG_RBX}, {"rcx", REG_RCX}, {"rdx", REG_RDX}, {"rsi", REG_RSI}, {"rdi", REG_RDI},
        {"rbp", REG_RBP}, {"rsp", REG_RSP}, {"r8", REG_R8},   {"r9", REG_R9},   {"r10", REG_R10}, {"r11", REG_R11},
        {"r12", REG_R12}, {"r13", REG_R13}, {"r14", REG_R14}, {"r15", REG_R15}, {"rip", REG_RIP},
    };
    CSC__SW_LIT(w, ",\"registers\":{");
    for (size_t i = 0; i < sizeof regs / sizeof *regs; i++) {
        if (i) csc__sw_putc(w, ',');
        csc__sw_key(w, regs[i].name);
        csc__sw_putc(w, '"');
        csc__sw_hex(w, (uint64_t)uc->uc_mcontext.gregs[regs[i].reg]);
        csc__sw_putc(w, '"');
    }
    csc__sw_putc(w, '}');
#elif defined(__aarch64__)
    CSC__SW_LIT(w, ",\"registers\":{\"pc\":\"");
    csc__sw_hex(w, uc->uc_mcontext.pc);
    CSC__SW_LIT(w, "\",\"sp\":\"");
    csc__sw_hex(w, uc->uc_mcontext.sp);
    CSC__SW_LIT(w, "\",\"fp\":\"");
    csc__sw_hex(w, uc->uc_mcontext.regs[29]);
    CSC__SW_LIT(w, "\",\"lr\":\"");
    csc__sw_hex(w, uc->uc_mcontext.regs[30]);
    CSC__SW_LIT(w, "\"}");
#else
    (void)w;
    (void)uc;
#endif
}

static void write_exception(csc__sw_t *w, const csc__crash_config_t *cfg, int sig, const siginfo_t *si,
                            const ucontext_t *uc, long tid) {
    const char *name = csc__crash_signal_name(sig);
    int code = si ? si->si_code : 0;
    CSC__SW_LIT(w, ",\"exception\":{\"values\":[{\"type\":");
    csc__sw_cstr(w, name);
    CSC__SW_LIT(w, ",\"value\":");
    csc__sw_cstr(w, csc__crash_signal_description(sig, code));
    CSC__SW_LIT(w, ",\"thread_id\":");
    csc__sw_i64(w, tid);
    /* not "synthetic": the signal name is the title wherever frames are not symbolicated (Bugsink, Sentry without debug files) */
    CSC__SW_LIT(w, ",\"mechanism\":{\"type\":\"signal\",\"handled\":false");
    CSC__SW_LIT(w, ",\"meta\":{\"signal\":{\"number\":");
    csc__sw_i64(w, sig);
    CSC__SW_LIT(w, ",\"code\":");
    csc__sw_i64(w, code);
    CSC__SW_LIT(w, ",\"name\":");
    csc__sw_cstr(w, name);
    const char *cn = code_name(sig, code);
    if (cn) {
        CSC__SW_LIT(w, ",\"code_name\":");
        csc__sw_cstr(w, cn);
    }
    CSC__SW_LIT(w, "}}");
    if (si && (sig == SIGSEGV || sig == SIGBUS) && code > 0) {
        CSC__SW_LIT(w, ",\"data\":{\"fault_address\":\"");
        csc__sw_hex(w, (uint64_t)(uintptr_t)si->si_addr);
        CSC__SW_LIT(w, "\"}");
    }
    csc__sw_putc(w, '}');

    static uintptr_t frames[CSC__CRASH_MAX_FRAMES];
    static uint8_t trust[CSC__CRASH_MAX_FRAMES];
    static const char *const trust_names[] = {"context", "scan", "fp", "scan"}; /* Sentry has no "prologue" */
    int n = csc__crash_unwind(uc, cfg, frames, trust, CSC__CRASH_MAX_FRAMES);
    if (n > 0) {
        /* oldest first; frames[0] is the faulting instruction, the others return addresses */
        CSC__SW_LIT(w, ",\"stacktrace\":{\"instruction_addr_adjustment\":\"all_but_first\",\"frames\":[");
        for (int i = n - 1; i >= 0; i--) {
            CSC__SW_LIT(w, "{\"instruction_addr\":\"");
            csc__sw_hex(w, frames[i]);
            CSC__SW_LIT(w, "\",\"trust\":\"");
            csc__sw_puts(w, trust_names[trust[i]]);
            csc__sw_put(w, i ? "\"}," : "\"}", i ? 3 : 2);
        }
        csc__sw_putc(w, ']');
        if (uc) write_registers(w, uc);
        csc__sw_putc(w, '}');
    }
    CSC__SW_LIT(w, "}]}");
}

static void event_id_for_crash(const csc__crash_config_t *cfg, char id[33], uint64_t us) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 33; i++) id[i] = cfg->event_id[i];
    /* vary the tail so that two crashes of one process (a chained handler that recovered) differ */
    uint64_t x = us ^ ((uint64_t)getpid() << 20);
    for (int i = 31; i >= 24; i--) {
        id[i] = digits[(x ^ (uint64_t)(id[i] - '0')) & 15];
        x >>= 4;
    }
}

/* One attempt at the whole file; with_scopes false leaves the scopes out. */
static bool write_file(const csc__crash_config_t *cfg, int sig, const siginfo_t *si, const ucontext_t *uc,
                       const char *event_id, uint64_t us, long tid, bool with_scopes, bool scope_fault) {
    int fd = open(g_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    csc__sw_t w;
    csc__sw_init(&w, fd, g_buf, sizeof g_buf);
    CSC__SW_LIT(&w, "{\"event_id\":\"");
    csc__sw_put(&w, event_id, 32);
    CSC__SW_LIT(&w, "\"}\n{\"type\":\"event\",\"content_type\":\"application/json\"}\n");
    CSC__SW_LIT(&w, "{\"event_id\":\"");
    csc__sw_put(&w, event_id, 32);
    CSC__SW_LIT(&w, "\",\"timestamp\":");
    csc__sw_u64(&w, us / 1000000u);
    char frac[7] = {'.'};
    uint64_t f = us % 1000000u;
    for (int i = 6; i >= 1; i--) {
        frac[i] = (char)('0' + f % 10);
        f /= 10;
    }
    csc__sw_put(&w, frac, 7);
    CSC__SW_LIT(&w, ",\"level\":\"fatal\"");
    write_exception(&w, cfg, sig, si, uc, tid);

    if (with_scopes) {
        csc_scope_t *iso = NULL, *cur = NULL;
        csc__crash_registered_scopes(&iso, &cur);
        if (!iso && !cur) csc__tiers_peek_thread(&iso, &cur);
        g_locked.n = 0;
        if (sigsetjmp(g_scope_jmp, 1) == 0) {
            g_in_scope_phase = 1;
            csc__crash_scopes_lock(&g_locked, csc__tiers_peek_global(), iso, cur);
            if (csc__crash_test_fault_in_handler == 1) {
                csc__crash_test_fault_in_handler = 0;
                *g_test_bad_ptr = 1;
            }
            csc__crash_write_scope_fields(&w, &g_locked, cfg);
            g_in_scope_phase = 0;
            csc__crash_scopes_unlock(&g_locked);
        } else {
            /* a fault while reading a scope: start over without them */
            csc__crash_scopes_unlock(&g_locked);
            close(fd);
            return write_file(cfg, sig, si, uc, event_id, us, tid, false, true);
        }
    }
    if (csc__crash_test_fault_in_handler == 2) *g_test_bad_ptr = 1;
    if (scope_fault) { /* say why the scope data is missing */
        CSC__SW_LIT(&w, ",\"contexts\":{\"cscope_crash\":{\"scope_fault\":true}");
        for (int d = 0; d < cfg->n_defaults; d++) {
            csc__sw_putc(&w, ',');
            csc__sw_put(&w, cfg->defaults[d].json, cfg->defaults[d].len);
        }
        csc__sw_putc(&w, '}');
    }
    csc__sw_put(&w, cfg->static_json, cfg->static_len);
    CSC__SW_LIT(&w, "}\n");
    bool ok = csc__sw_flush(&w);
    if (close(fd) != 0) ok = false;
    return ok;
}

bool csc__crash_write(const csc__crash_config_t *cfg, int sig, const siginfo_t *si, const ucontext_t *uc) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    long tid = (long)syscall(SYS_gettid);
    char event_id[33];
    event_id_for_crash(cfg, event_id, us);
    make_paths(cfg, us);
    if (!write_file(cfg, sig, si, uc, event_id, us, tid, true, false) || rename(g_tmp, g_final) != 0) {
        unlink(g_tmp);
        return false;
    }
    /* the marker: csc_crashed_last_run() at the next start */
    size_t off = cat(g_tmp, 0, sizeof g_tmp, cfg->cache_dir);
    off = cat(g_tmp, off, sizeof g_tmp, "/" CSC__CRASH_MARKER ".tmp");
    size_t f = cat(g_final, 0, sizeof g_final, cfg->cache_dir);
    cat(g_final, f, sizeof g_final, "/" CSC__CRASH_MARKER);
    int fd = open(g_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        csc__sw_t w;
        csc__sw_init(&w, fd, g_buf, sizeof g_buf);
        csc__sw_put(&w, event_id, 32);
        csc__sw_putc(&w, '\n');
        bool ok = csc__sw_flush(&w);
        close(fd);
        if (!ok || rename(g_tmp, g_final) != 0) unlink(g_tmp);
    }
    return true;
}

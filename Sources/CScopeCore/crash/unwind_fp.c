/* Frame-pointer unwinding of the interrupted thread, from the signal's ucontext.
 *
 * SIGNAL SAFETY: async-signal-safe. Every stack word is first probed with
 * write(2) to a pipe (EFAULT instead of a fault when unreadable), so a corrupted
 * frame chain ends the walk instead of faulting inside the handler.
 * When the chain yields nothing (x86_64), the stack is scanned for words that
 * follow a call instruction (trust "scan": may include stale return addresses).
 * Limits: code built without frame pointers (glibc on x86_64, -O2 builds without
 * -fno-omit-frame-pointer) is skipped or ends the chain; the faulting PC and the
 * frames of code with frame pointers are reported. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "crash_internal.h"

#define SCAN_WORDS 2048 /* 16 KiB of stack */

/* Reads one word at `addr` if it is readable. */
static bool probe_read(const csc__crash_config_t *cfg, uintptr_t addr, uintptr_t *out) {
    if (addr == 0 || addr % sizeof(uintptr_t)) return false;
    ssize_t n;
    /* raw syscalls: the words probed are arbitrary stack memory (sanitizer interceptors
     * of write(2) would flag redzones), and the kernel reports EFAULT instead of faulting */
    do n = syscall(SYS_write, cfg->probe_fd[1], (const void *)addr, sizeof(uintptr_t));
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(uintptr_t)) return false;
    do n = syscall(SYS_read, cfg->probe_fd[0], out, sizeof(uintptr_t));
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(uintptr_t);
}

#if defined(__x86_64__)
/* Whether `ret` follows a call instruction (call rel32, or an indirect call of 2, 3, 6 or 7 bytes). */
static bool after_call(const csc__crash_config_t *cfg, uintptr_t ret) {
    uintptr_t w0, w1;
    uintptr_t base = (ret - 8) & ~(uintptr_t)7;
    if (!probe_read(cfg, base, &w0) || !probe_read(cfg, base + 8, &w1)) return false;
    unsigned char b[16];
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(w0 >> (8 * i));
        b[8 + i] = (unsigned char)(w1 >> (8 * i));
    }
    size_t at = ret - base; /* index of the byte at `ret` in b: 8..15 */
    if (b[at - 5] == 0xE8) return true;
    static const int lens[] = {2, 3, 6, 7};
    for (int i = 0; i < 4; i++) {
        unsigned char op = b[at - lens[i]], modrm = b[at - lens[i] + 1];
        if (op == 0xFF && ((modrm >> 3) & 7) == 2) return true;
    }
    return false;
}
#elif defined(__aarch64__)
/* Whether `ret` follows a BL or BLR (the only calls that set the link register). */
static bool after_call(const csc__crash_config_t *cfg, uintptr_t ret) {
    if (ret & 3) return false;
    uintptr_t w;
    uintptr_t base = (ret - 4) & ~(uintptr_t)7;
    if (!probe_read(cfg, base, &w)) return false;
    uint32_t insn = (uint32_t)(w >> (8 * ((ret - 4) - base))); /* little-endian */
    return (insn & 0xFC000000u) == 0x94000000u                 /* BL imm26 */
           || (insn & 0xFFFFFC1Fu) == 0xD63F0000u;             /* BLR Xn */
}
#endif

int csc__crash_unwind(const ucontext_t *uc, const csc__crash_config_t *cfg, uintptr_t *frames, uint8_t *trust,
                      int max) {
    if (!uc || max <= 0) return 0;
    uintptr_t pc, fp, sp;
#if defined(__x86_64__)
    pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
    sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    pc = (uintptr_t)uc->uc_mcontext.pc;
    fp = (uintptr_t)uc->uc_mcontext.regs[29];
    sp = (uintptr_t)uc->uc_mcontext.sp;
#else
    return 0;
#endif
    int n = 0;
    trust[n] = CSC__TRUST_CONTEXT;
    frames[n++] = pc;
#if defined(__x86_64__)
    /* A leaf function (or one that has not set up its frame yet) leaves its return
     * address at the stack pointer, out of the frame-pointer chain: take it when it
     * looks like one (it follows a call instruction). */
    uintptr_t top, chain_ret = 0, chain_next;
    if (probe_read(cfg, fp, &chain_next)) probe_read(cfg, fp + sizeof(uintptr_t), &chain_ret);
    if (probe_read(cfg, sp, &top) && top > 4096 && top != chain_ret && top != pc && after_call(cfg, top)) {
        trust[n] = CSC__TRUST_PROLOGUE;
        frames[n++] = top;
    }
#elif defined(__aarch64__)
    /* A leaf function (gcc and clang leave leaf frames without a frame record on aarch64) keeps
     * its return address in the link register only: take it, as Breakpad's arm64 walker does,
     * unless the frame record already has it. (In a non-leaf function that has called since its
     * prologue, x30 points into the function itself: one duplicate frame, no lost caller.) */
    uintptr_t lr = (uintptr_t)uc->uc_mcontext.regs[30], chain_ret = 0, chain_next;
    if (probe_read(cfg, fp, &chain_next)) probe_read(cfg, fp + sizeof(uintptr_t), &chain_ret);
    if (n < max && lr > 4096 && lr != chain_ret && lr != pc && after_call(cfg, lr)) {
        trust[n] = CSC__TRUST_PROLOGUE;
        frames[n++] = lr;
    }
#endif
    /* frame records are {saved fp, return address}, walked while they go up the stack */
    uintptr_t lo = sp;
    while (n < max) {
        uintptr_t next, ret;
        if (fp < lo || fp - lo > (64u << 20)) break; /* not on this stack (or a garbage fp) */
        if (!probe_read(cfg, fp, &next) || !probe_read(cfg, fp + sizeof(uintptr_t), &ret)) break;
        if (ret < 4096) break;
        trust[n] = CSC__TRUST_FP;
        frames[n++] = ret;
        if (next <= fp) break; /* stacks grow down: the caller's frame is higher */
        lo = fp + 2 * sizeof(uintptr_t);
        fp = next;
    }
#if defined(__x86_64__)
    /* No frame record at all (the crash is in code without frame pointers, e.g. abort()
     * inside glibc): scan the stack for words that look like return addresses. */
    if (n <= 2) {
        for (uintptr_t a = sp; n < max && a < sp + SCAN_WORDS * sizeof(uintptr_t); a += sizeof(uintptr_t)) {
            uintptr_t v;
            if (!probe_read(cfg, a, &v)) break;
            if (v < 4096 || v == frames[n - 1] || !after_call(cfg, v)) continue;
            trust[n] = CSC__TRUST_SCAN;
            frames[n++] = v;
        }
    }
#endif
    return n;
}

/*
 * test_stacktrace.c: stack capture, symbolication, its cache, debug_meta images
 * and csc_capture_exception_here.
 *
 * Functions that must appear in stack traces are non-static and noinline (the
 * binary is linked with -rdynamic, so dladdr finds them), and each is followed
 * by an empty asm so the compiler cannot turn the call into a tail call.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdint.h>
#include <unistd.h>

#include <cscope/stacktrace.h>
#include "cscope_spi.h" /* csc_stacktrace_cache_stats/reset, csc_image_generation: not public API */

#include "testlib.h"

/* Internal (Sources/CScopeCore/stacktrace/stacktrace_internal.h), linked from cscope_static. */
void csc__debug_id_from_build_id(const uint8_t *id, size_t len, char out[37]);

#define KEEP_FRAME() __asm__ volatile("" ::: "memory")
#define MAXF         64

static char exe_path[PATH_MAX];

/* Index of the first frame whose function is `name`, or -1. */
static int find_frame(const csc_frame_t *f, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (f[i].function && strcmp(f[i].function, name) == 0) return i;
    return -1;
}

/* Index (in an oldest-first JSON frame array) of the frame whose function is `name`, or -1. */
static int find_json_frame(json_t *frames, const char *name) {
    for (size_t i = 0; i < json_array_size(frames); i++) {
        const char *fn = json_string_value(json_object_get(json_array_get(frames, i), "function"));
        if (fn && strcmp(fn, name) == 0) return (int)i;
    }
    return -1;
}

/* ------------------------------------------------------------ capture + symbolicate */

__attribute__((noinline)) int st_leaf(uintptr_t *addrs, size_t max) {
    int n = csc_stacktrace_capture(addrs, max, 0);
    KEEP_FRAME();
    return n;
}

__attribute__((noinline)) int st_middle(uintptr_t *addrs, size_t max) {
    int n = st_leaf(addrs, max);
    KEEP_FRAME();
    return n;
}

__attribute__((noinline)) void test_frames_oldest_first(void) {
    uintptr_t addrs[MAXF];
    csc_frame_t frames[MAXF];
    int n = st_middle(addrs, MAXF);
    KEEP_FRAME();
    CHECK(n >= 4);
    CHECK_EQ_INT(csc_stacktrace_symbolicate(addrs, (size_t)n, frames), n);

    /* Innermost last: the function that called csc_stacktrace_capture, in the main executable. */
    CHECK_STR(frames[n - 1].function, "st_leaf");
    CHECK_EQ_INT(frames[n - 1].in_app, 1);
    CHECK_STR(frames[n - 1].package, exe_path);
    CHECK_EQ_INT(frames[n - 1].instruction_addr, addrs[0]);
    CHECK_EQ_INT(frames[0].instruction_addr, addrs[n - 1]);

    int leaf = find_frame(frames, n, "st_leaf"), mid = find_frame(frames, n, "st_middle");
    int self = find_frame(frames, n, "test_frames_oldest_first"), m = find_frame(frames, n, "main");
    CHECK(m >= 0 && self > m && mid > self && leaf > mid);
    CHECK(find_frame(frames, n, "csc_stacktrace_capture") < 0);

    /* Something below main (libc's start code) is not in-app. */
    int saw_libc = 0;
    for (int i = 0; i < m; i++)
        if (frames[i].package && strstr(frames[i].package, "libc.so")) {
            saw_libc = 1;
            CHECK_EQ_INT(frames[i].in_app, 0);
        }
    CHECK(saw_libc);
}

__attribute__((noinline)) void test_skip(void) {
    uintptr_t a[MAXF], b[MAXF];
    int n = csc_stacktrace_capture(a, MAXF, 0);
    KEEP_FRAME();
    int k = csc_stacktrace_capture(b, MAXF, 1);
    KEEP_FRAME();
    CHECK_EQ_INT(k, n - 1);
    if (k == n - 1 && k > 0) CHECK(memcmp(a + 1, b, (size_t)k * sizeof *a) == 0);
    CHECK_EQ_INT(csc_stacktrace_capture(a, 2, 0), 2);
    CHECK_EQ_INT(csc_stacktrace_capture(NULL, 0, 0), 0);
    CHECK_EQ_INT(csc_stacktrace_capture(NULL, 4, 0), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_stacktrace_symbolicate(NULL, 1, NULL), CSC_ERR_NULL);
}

/* ------------------------------------------------------------ the cache */

__attribute__((noinline)) void test_cache_hits(void) {
    uintptr_t addrs[MAXF];
    csc_frame_t first[MAXF], second[MAXF];
    int n = st_middle(addrs, MAXF);
    KEEP_FRAME();
    csc_stacktrace_cache_reset();
    uint64_t hits = 99, misses = 99;
    csc_stacktrace_cache_stats(&hits, &misses);
    CHECK_EQ_INT(hits, 0);
    CHECK_EQ_INT(misses, 0);

    csc_stacktrace_symbolicate(addrs, (size_t)n, first);
    csc_stacktrace_cache_stats(&hits, &misses);
    CHECK_EQ_INT(hits, 0);
    CHECK_EQ_INT(misses, n);

    csc_stacktrace_symbolicate(addrs, (size_t)n, second);
    csc_stacktrace_cache_stats(&hits, &misses);
    CHECK_EQ_INT(hits, n);
    CHECK_EQ_INT(misses, n);
    for (int i = 0; i < n; i++) {
        /* Same interned strings, same classification. */
        CHECK(first[i].function == second[i].function);
        CHECK(first[i].package == second[i].package);
        CHECK_EQ_INT(first[i].in_app, second[i].in_app);
    }

    /* Strings outlive the cache (interned). */
    csc_stacktrace_cache_reset();
    CHECK_STR(first[n - 1].function, "st_leaf");
}

/* Loading a library changes the generation, which empties the cache and rebuilds debug images. */
__attribute__((noinline)) void test_generation(void) {
    static const char *candidates[] = {"libutil.so.1", "libanl.so.1", "libnss_dns.so.2", "libBrokenLocale.so.1"};
    uint64_t g0 = csc_image_generation();
    CHECK(g0 > 0);
    CHECK_EQ_INT(csc_image_generation(), g0);
    json_t *before = csc_debug_images();
    void *h = NULL;
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates && !h; i++) {
        h = dlopen(candidates[i], RTLD_NOW | RTLD_NOLOAD);
        if (h) {
            dlclose(h);
            h = NULL;
            continue;
        } /* already loaded: no change to observe */
        h = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (!h) {
        fprintf(stderr, "test_generation: no loadable library found, skipped\n");
        json_decref(before);
        return;
    }
    CHECK(csc_image_generation() != g0);
    json_t *after = csc_debug_images();
    CHECK_EQ_INT(json_array_size(after), json_array_size(before) + 1);

    uintptr_t addrs[MAXF];
    csc_frame_t frames[MAXF];
    int n = st_middle(addrs, MAXF);
    KEEP_FRAME();
    csc_stacktrace_symbolicate(addrs, (size_t)n, frames); /* fills the cache */
    csc_stacktrace_cache_reset();
    csc_stacktrace_symbolicate(addrs, (size_t)n, frames);
    dlclose(h);
    uint64_t hits, misses;
    csc_stacktrace_symbolicate(addrs, (size_t)n, frames); /* generation changed: all misses again */
    csc_stacktrace_cache_stats(&hits, &misses);
    CHECK_EQ_INT(hits, 0);
    CHECK_EQ_INT(misses, 2 * n);
    json_decref(before);
    json_decref(after);
}

/* ------------------------------------------------------------ debug_meta */

/* The build id `readelf -n` prints for `path`, into out (lower-case hex). */
static int readelf_build_id(const char *path, char *out, size_t cap) {
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "readelf -n '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    char line[512];
    int found = 0;
    while (fgets(line, sizeof line, p)) {
        char *at = strstr(line, "Build ID:");
        if (!at || found) continue;
        if (sscanf(at + 9, " %255s", out) == 1 && strlen(out) < cap) found = 1;
    }
    pclose(p);
    return found;
}

__attribute__((noinline)) void test_debug_images(void) {
    json_t *images = csc_debug_images();
    CHECK(json_is_array(images) && json_array_size(images) >= 3);
    json_t *mine = NULL;
    for (size_t i = 0; i < json_array_size(images); i++) {
        json_t *img = json_array_get(images, i);
        CHECK_STR(tl_str(img, "type"), "elf");
        CHECK(tl_str(img, "image_addr") && strncmp(tl_str(img, "image_addr"), "0x", 2) == 0);
        CHECK(json_integer_value(json_object_get(img, "image_size")) > 0);
        const char *file = tl_str(img, "code_file");
        if (file && strcmp(file, exe_path) == 0) mine = img;
    }
    CHECK(mine != NULL);
    if (!mine) {
        json_decref(images);
        return;
    }

    char expected[256] = "";
    CHECK(readelf_build_id(exe_path, expected, sizeof expected));
    CHECK_STR(tl_str(mine, "code_id"), expected);

    /* The executable's range covers its own code. */
    uintptr_t base = (uintptr_t)strtoull(tl_str(mine, "image_addr"), NULL, 16);
    uintptr_t size = (uintptr_t)json_integer_value(json_object_get(mine, "image_size"));
    uintptr_t fn = (uintptr_t)&test_debug_images;
    CHECK(fn >= base && fn < base + size);

    /* debug_id: the first 16 bytes of the code id as a little-endian GUID. */
    const char *code = tl_str(mine, "code_id"), *dbg = tl_str(mine, "debug_id");
    CHECK(code && dbg && strlen(code) >= 32 && strlen(dbg) == 36);
    if (code && dbg && strlen(code) >= 32 && strlen(dbg) == 36) {
        static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
        char want[37], *w = want;
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) *w++ = '-';
            *w++ = code[2 * order[i]];
            *w++ = code[2 * order[i] + 1];
        }
        *w = '\0';
        CHECK_STR(dbg, want);
    }

    /* The copy is the caller's: changing it does not change the next one. */
    json_array_clear(images);
    json_t *again = csc_debug_images();
    CHECK(json_array_size(again) >= 3);
    json_decref(again);
    json_decref(images);
}

/* Sentry's documented example (Relay's NativeDebugImage docs). */
void test_debug_id_rule(void) {
    static const uint8_t id[20] = {0x68, 0x22, 0x0a, 0xe2, 0xc6, 0x5d, 0x65, 0xc1, 0xb6, 0xaa,
                                   0xa1, 0x2f, 0xa6, 0x76, 0x5a, 0x6e, 0xc2, 0xf5, 0xf4, 0x34};
    char out[37];
    csc__debug_id_from_build_id(id, sizeof id, out);
    CHECK_STR(out, "e20a2268-5dc6-c165-b6aa-a12fa6765a6e");
    csc__debug_id_from_build_id(id, 4, out); /* short ids are zero-padded */
    CHECK_STR(out, "e20a2268-0000-0000-0000-000000000000");
}

/* ------------------------------------------------------------ capture here */

__attribute__((noinline)) json_t *st_build_here(void) {
    json_t *ev = csc_event_new_exception_here("ParseError", "bad input", 0);
    KEEP_FRAME();
    return ev;
}

__attribute__((noinline)) void test_event_here(void) {
    json_t *ev = st_build_here();
    KEEP_FRAME();
    CHECK(ev != NULL);
    json_t *exc = json_array_get(tl_path(ev, "exception.values"), 0);
    CHECK_STR(tl_str(exc, "type"), "ParseError");
    CHECK_STR(tl_str(exc, "value"), "bad input");
    CHECK_STR(tl_str(exc, "mechanism.type"), "generic");
    CHECK(json_is_true(tl_path(exc, "mechanism.handled")));
    json_t *frames = tl_path(exc, "stacktrace.frames");
    size_t n = json_array_size(frames);
    CHECK(n >= 3);
    json_t *last = json_array_get(frames, n - 1);
    /* SDK frames trimmed: the innermost frame is the caller of csc_event_new_exception_here. */
    CHECK_STR(tl_str(last, "function"), "st_build_here");
    CHECK(json_is_true(json_object_get(last, "in_app")));
    CHECK_STR(tl_str(last, "package"), exe_path);
    CHECK(tl_str(last, "instruction_addr") && strncmp(tl_str(last, "instruction_addr"), "0x", 2) == 0);
    for (size_t i = 0; i < n; i++) {
        const char *fn = tl_str(json_array_get(frames, i), "function");
        CHECK(!fn || strncmp(fn, "csc_", 4) != 0);
    }
    CHECK(find_json_frame(frames, "test_event_here") == (int)n - 2);
    CHECK(json_array_size(tl_path(ev, "debug_meta.images")) >= 3);
    json_decref(ev);

    /* skip drops the caller's own wrapper too. */
    ev = csc_event_new_exception_here(NULL, "v", 1);
    frames = tl_path(json_array_get(tl_path(ev, "exception.values"), 0), "stacktrace.frames");
    CHECK(find_json_frame(frames, "test_event_here") < 0);
    CHECK(find_json_frame(frames, "main") == (int)json_array_size(frames) - 1);
    json_decref(ev);
    CHECK(csc_event_new_exception_here(NULL, NULL, 0) == NULL);
}

__attribute__((noinline)) void test_capture_here(void) {
    CHECK_EQ_INT(tl_start_default(10), CSC_OK);
    char id[33] = "";
    CHECK_EQ_INT(csc_capture_exception_here("IOError", "disk full", NULL, id), CSC_OK);
    KEEP_FRAME();
    CHECK(tl_is_hex(id, 32));
    json_t *ev = tl_last_event();
    CHECK(ev != NULL);
    json_t *frames = tl_path(json_array_get(tl_path(ev, "exception.values"), 0), "stacktrace.frames");
    size_t n = json_array_size(frames);
    CHECK(n >= 2);
    CHECK_STR(tl_str(json_array_get(frames, n - 1), "function"), "test_capture_here");
    CHECK(json_array_size(tl_path(ev, "debug_meta.images")) >= 3);
    json_decref(ev);
    CHECK_EQ_INT(csc_capture_exception_here(NULL, NULL, NULL, NULL), CSC_ERR_INVALID);
    csc_close();
}

/* ------------------------------------------------------------ threads */

static void *sym_worker(void *arg) {
    (void)arg;
    for (int k = 0; k < 300; k++) {
        uintptr_t addrs[MAXF];
        csc_frame_t frames[MAXF];
        int n = st_middle(addrs, MAXF);
        csc_stacktrace_symbolicate(addrs, (size_t)n, frames);
        if (!frames[n - 1].function || strcmp(frames[n - 1].function, "st_leaf") != 0) return (void *)1;
        if (k % 50 == 0) csc_stacktrace_cache_reset();
        if (k % 100 == 0) json_decref(csc_debug_images());
    }
    return NULL;
}

void test_threads(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, sym_worker, NULL);
    for (int i = 0; i < 4; i++) {
        void *bad = NULL;
        pthread_join(t[i], &bad);
        CHECK(bad == NULL);
    }
}

int main(void) {
    ssize_t len = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
    exe_path[len > 0 ? len : 0] = '\0';
    RUN(test_frames_oldest_first);
    RUN(test_skip);
    RUN(test_cache_hits);
    RUN(test_generation);
    RUN(test_debug_images);
    RUN(test_debug_id_rule);
    RUN(test_event_here);
    RUN(test_capture_here);
    RUN(test_threads);
    int rc = TL_DONE();
    KEEP_FRAME();
    return rc;
}

/* Loaded ELF images as Sentry's debug_meta.images, and the image generation.
 *
 * One dl_iterate_phdr walk per change of csc_image_generation(): the result is
 * kept as a JSON array and copied out for each caller. */
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stacktrace_internal.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

/* ------------------------------------------------------------ generation */

static int first_image(struct dl_phdr_info *info, size_t size, void *arg) {
    uint64_t *gen = (uint64_t *)arg;
    if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
        *gen = (uint64_t)info->dlpi_adds + (uint64_t)info->dlpi_subs;
    return 1; /* stop after the first image: the counters are global */
}

uint64_t csc_image_generation(void) {
    uint64_t gen = 0;
    dl_iterate_phdr(first_image, &gen);
    return gen;
}

/* ------------------------------------------------------------ small helpers */

void csc__hex(const uint8_t *bytes, size_t len, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

void csc__debug_id_from_build_id(const uint8_t *id, size_t len, char out[37]) {
    uint8_t g[16] = {0};
    memcpy(g, id, len < 16 ? len : 16);
    /* The build id is read as a GUID stored little endian: swap the u32 and the two u16 fields. */
    uint8_t swapped[16] = {g[3], g[2], g[1],  g[0],  g[5],  g[4],  g[7],  g[6],
                           g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]};
    char hex[33];
    csc__hex(swapped, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static pthread_once_t exe_once = PTHREAD_ONCE_INIT;
static char exe_path[4096];

static void resolve_exe(void) {
    ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
    exe_path[n > 0 ? n : 0] = '\0';
}

const char *csc__main_executable_path(void) {
    pthread_once(&exe_once, resolve_exe);
    return exe_path;
}

int csc__in_app_for_path(const char *path) {
    static const char *const system_prefixes[] = {
        "libc.so",       "libc-",
        "libm.so",       "libm-",
        "libpthread",    "libdl.so",
        "libdl-",        "librt.so",
        "librt-",        "libresolv",
        "libutil",       "libstdc++",
        "libgcc_s",      "libc++",
        "libunwind",     "ld-linux",
        "ld64.so",       "linux-vdso",
        "linux-gate",    "libswift",
        "libFoundation", "lib_FoundationICU",
        "libdispatch",   "libBlocksRuntime",
        "libXCTest",     "libTesting",
        "libcscope.so",
    };
    if (!path || !*path) return -1;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < sizeof system_prefixes / sizeof *system_prefixes; i++)
        if (strncmp(base, system_prefixes[i], strlen(system_prefixes[i])) == 0) return 0;
    return -1;
}

/* ------------------------------------------------------------ one image */

/* The GNU build id in the image's PT_NOTE segments; its length, 0 if none. */
static size_t find_build_id(const struct dl_phdr_info *info, const uint8_t **id) {
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE) continue;
        const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
        const uint8_t *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
            const uint8_t *name = p + sizeof *nh;
            const uint8_t *desc = name + ((nh->n_namesz + 3u) & ~3u);
            const uint8_t *next = desc + ((nh->n_descsz + 3u) & ~3u);
            if (next > end) break;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 && nh->n_descsz) {
                *id = desc;
                return nh->n_descsz;
            }
            p = next;
        }
    }
    return 0;
}

static json_t *image_json(const struct dl_phdr_info *info, const char *path) {
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD) continue;
        if (ph->p_vaddr < lo) lo = ph->p_vaddr;
        if (ph->p_vaddr + ph->p_memsz > hi) hi = ph->p_vaddr + ph->p_memsz;
    }
    if (lo == UINTPTR_MAX) return NULL;
    long page = sysconf(_SC_PAGESIZE);
    lo &= ~(uintptr_t)(page > 0 ? page - 1 : 4095);

    json_t *img = json_object();
    if (!img) return NULL;
    char addr[24];
    snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)(info->dlpi_addr + lo));
    json_object_set_new(img, "type", json_string("elf"));
    json_object_set_new(img, "code_file", json_string(path));
    json_object_set_new(img, "image_addr", json_string(addr));
    json_object_set_new(img, "image_size", json_integer((json_int_t)(hi - lo)));
    if (lo) {
        snprintf(addr, sizeof addr, "0x%llx", (unsigned long long)lo);
        json_object_set_new(img, "image_vmaddr", json_string(addr));
    }
#if defined(__x86_64__)
    json_object_set_new(img, "arch", json_string("x86_64"));
#elif defined(__aarch64__)
    json_object_set_new(img, "arch", json_string("arm64"));
#endif
    const uint8_t *id = NULL;
    size_t n = find_build_id(info, &id);
    if (n) {
        char *hex = malloc(2 * n + 1);
        if (hex) {
            csc__hex(id, n, hex);
            json_object_set_new(img, "code_id", json_string(hex));
            free(hex);
        }
        char debug_id[37];
        csc__debug_id_from_build_id(id, n, debug_id);
        json_object_set_new(img, "debug_id", json_string(debug_id));
    }
    return img;
}

/* The address range [lo, hi) an image's JSON describes (image_addr, image_size); 0 if unreadable. */
static int image_range(json_t *img, uintptr_t *lo, uintptr_t *hi) {
    const char *addr = json_string_value(json_object_get(img, "image_addr"));
    json_t *size = json_object_get(img, "image_size");
    if (!addr || !json_is_integer(size)) return 0;
    *lo = (uintptr_t)strtoull(addr, NULL, 16);
    *hi = *lo + (uintptr_t)json_integer_value(size);
    return 1;
}

static int add_image(struct dl_phdr_info *info, size_t size, void *arg) {
    json_t *images = (json_t *)arg;
    const char *path = info->dlpi_name;
    if (!path || !*path) {
        /* Only the main executable has an empty name; anything else nameless (rare) is skipped. */
        if (json_array_size(images) != 0) return 0;
        path = csc__main_executable_path();
    }
    json_t *img = image_json(info, path);
    if (img) json_array_append_new(images, img);
    return 0;
}

/* ------------------------------------------------------------ the cache */

typedef struct {
    uintptr_t lo, hi;
} range_t;

static pthread_mutex_t images_mu = PTHREAD_MUTEX_INITIALIZER;
static json_t *images_cache;       /* guarded by images_mu */
static range_t *images_ranges;     /* guarded by images_mu; one per element of images_cache */
static uint64_t images_generation; /* guarded by images_mu */

/* Rebuilds the cache when the images changed. Call with images_mu held. */
static void refresh_locked(void) {
    uint64_t gen = csc_image_generation();
    if (images_cache && images_generation == gen) return;
    json_t *fresh = json_array();
    if (!fresh) return;
    dl_iterate_phdr(add_image, fresh);
    size_t n = json_array_size(fresh);
    range_t *ranges = calloc(n ? n : 1, sizeof *ranges);
    if (!ranges) {
        json_decref(fresh);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (!image_range(json_array_get(fresh, i), &ranges[i].lo, &ranges[i].hi)) ranges[i].lo = ranges[i].hi = 0;
    json_decref(images_cache);
    free(images_ranges);
    images_cache = fresh;
    images_ranges = ranges;
    images_generation = gen;
}

json_t *csc_debug_images(void) {
    pthread_mutex_lock(&images_mu);
    refresh_locked();
    json_t *copy = images_cache ? json_deep_copy(images_cache) : NULL;
    pthread_mutex_unlock(&images_mu);
    return copy;
}

json_t *csc_debug_images_for(const uintptr_t *addrs, size_t n) {
    if (!addrs && n) return NULL;
    json_t *out = json_array();
    if (!out) return NULL;
    pthread_mutex_lock(&images_mu);
    refresh_locked();
    size_t count = json_array_size(images_cache);
    for (size_t i = 0; i < count; i++) {
        range_t r = images_ranges[i];
        if (r.lo == r.hi) continue;
        for (size_t j = 0; j < n; j++) {
            if (addrs[j] >= r.lo && addrs[j] < r.hi) {
                json_array_append_new(out, json_deep_copy(json_array_get(images_cache, i)));
                break;
            }
        }
    }
    pthread_mutex_unlock(&images_mu);
    return out;
}

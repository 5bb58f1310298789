/* At the next start (csc_init, before the transport reads the cache): turns the
 * crash reports left by a previous run ("<ts>-<pid>-crash.pending", a name the
 * disk cache ignores, so a transport still running in the crashing process
 * cannot send the report and leave its file behind to be sent twice) into
 * cached envelopes ("<ts>-<pid>-crash.envelope"). On the way it adds
 * function / package / in_app to the frames of images loaded again with the
 * same build id (the same binary), using the stack trace module's dladdr
 * symbolication after rebasing each address (ASLR moves images between runs).
 * Frames of other images stay address-only (Sentry symbolicates them from
 * debug_meta and uploaded debug files). Functions dladdr cannot name (not in
 * the dynamic symbol table: executables not linked with -rdynamic, e.g. every
 * SwiftPM executable) are looked up in the image file's static symbol table
 * (.symtab, unless stripped) and demangled (C++, Swift).
 *
 * With a custom transport (csc_options_set_transport) nothing reads the disk
 * cache, so once a client is live the "*-crash.envelope" reports are handed to
 * that transport (csc__crash_hand_to_transport) and removed.
 *
 * Not signal-safe (ordinary thread, allocates). Ownership: everything here is
 * local; the rewritten file replaces the old one by rename; envelopes handed to
 * a transport are the transport's. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/envelope_internal.h"
#include "transport/disk_cache.h"
#include "crash_internal.h"
#include "cscope/stacktrace.h"
#include "stacktrace/stacktrace_internal.h"
#include "support/log.h"

#include <link.h>                  /* ElfW */
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

static uintptr_t hex_value(json_t *v) {
    const char *s = json_string_value(v);
    return s ? (uintptr_t)strtoull(s, NULL, 16) : 0;
}

/* The image of `images` (debug_meta list) containing addr; NULL if none. */
static json_t *image_at(json_t *images, uintptr_t addr) {
    size_t i;
    json_t *img;
    json_array_foreach(images, i, img) {
        uintptr_t base = hex_value(json_object_get(img, "image_addr"));
        json_int_t size = json_integer_value(json_object_get(img, "image_size"));
        if (base && addr >= base && addr - base < (uintptr_t)size) return img;
    }
    return NULL;
}

/* The image of this process (debug_meta entry of `now`) with the same code_id; NULL if not loaded. */
static json_t *current_image(json_t *now, json_t *old_img) {
    const char *code_id = json_string_value(json_object_get(old_img, "code_id"));
    if (!code_id) return NULL;
    size_t i;
    json_t *img;
    json_array_foreach(now, i, img) {
        const char *c = json_string_value(json_object_get(img, "code_id"));
        if (c && !strcmp(c, code_id)) return img;
    }
    return NULL;
}

/* Base address, in this process, of the image with the same code_id; 0 if not loaded. */
static uintptr_t current_base(json_t *now, json_t *old_img) {
    json_t *img = current_image(now, old_img);
    return img ? hex_value(json_object_get(img, "image_addr")) : 0;
}

/* ---- the static symbol table (.symtab) of an image file, for what dladdr cannot name */

typedef struct {
    char path[4096];
    const uint8_t *map; /* the whole file, read-only; NULL when not an ELF file with a .symtab */
    size_t size;
    const ElfW(Sym) * syms;
    size_t nsyms;
    const char *strs;
    size_t strs_size;
} symtab_t;

static void symtab_close(symtab_t *t) {
    if (t->map) munmap((void *)t->map, t->size);
    memset(t, 0, sizeof *t);
}

/* Maps `path` and finds its .symtab (keeps the last file open: frames mostly share one image). */
static bool symtab_open(symtab_t *t, const char *path) {
    if (t->path[0] && !strcmp(t->path, path)) return t->map != NULL;
    symtab_close(t);
    snprintf(t->path, sizeof t->path, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) return false;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(ElfW(Ehdr))) {
        close(fd);
        return false;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return false;
    t->map = m;
    t->size = (size_t)st.st_size;
    const ElfW(Ehdr) *eh = m;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
        eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shoff == 0 || eh->e_shoff > t->size ||
        (t->size - eh->e_shoff) / sizeof(ElfW(Shdr)) < eh->e_shnum)
        goto fail;
    const ElfW(Shdr) *sh = (const ElfW(Shdr) *)(t->map + eh->e_shoff);
    for (size_t i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
        const ElfW(Shdr) *str = &sh[sh[i].sh_link];
        if (sh[i].sh_offset > t->size || sh[i].sh_size > t->size - sh[i].sh_offset || str->sh_offset > t->size ||
            str->sh_size > t->size - str->sh_offset || str->sh_size == 0)
            goto fail;
        t->syms = (const ElfW(Sym) *)(t->map + sh[i].sh_offset);
        t->nsyms = sh[i].sh_size / sizeof(ElfW(Sym));
        t->strs = (const char *)(t->map + str->sh_offset);
        t->strs_size = str->sh_size;
        return true;
    }
fail:
    munmap((void *)t->map, t->size);
    t->map = NULL;
    return false;
}

/* The name of the function containing link-time address `vaddr` (in the mapped file); NULL if none. */
static const char *symtab_lookup(const symtab_t *t, uintptr_t vaddr) {
    const ElfW(Sym) *best = NULL;
    for (size_t i = 0; i < t->nsyms; i++) {
        const ElfW(Sym) *sym = &t->syms[i];
        if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx == SHN_UNDEF || sym->st_name >= t->strs_size)
            continue;
        if (vaddr < sym->st_value || vaddr - sym->st_value >= (sym->st_size ? sym->st_size : 1)) continue;
        if (!best || sym->st_size < best->st_size) best = sym;
    }
    if (!best) return NULL;
    const char *name = t->strs + best->st_name;
    return memchr(name, 0, t->strs_size - best->st_name) && *name ? name : NULL;
}

/* Symbolicates the event's frames in place; true when any frame got a function. */
static bool symbolicate_event(json_t *ev, json_t *now) {
    json_t *exc = json_array_get(json_object_get(json_object_get(ev, "exception"), "values"), 0);
    json_t *frames = json_object_get(json_object_get(exc, "stacktrace"), "frames");
    json_t *images = json_object_get(json_object_get(ev, "debug_meta"), "images");
    size_t n = json_array_size(frames);
    if (!n || !json_is_array(images)) return false;
    uintptr_t *addrs = calloc(n, sizeof *addrs);
    csc_frame_t *out = calloc(n, sizeof *out);
    bool any = false;
    symtab_t symtab;
    memset(&symtab, 0, sizeof symtab);
    if (!addrs || !out) goto done;
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(frames, i);
        if (json_object_get(f, "function")) goto done; /* done already (an earlier start) */
        uintptr_t addr = hex_value(json_object_get(f, "instruction_addr"));
        json_t *img = image_at(images, addr);
        uintptr_t base = img ? current_base(now, img) : 0;
        /* innermost first for csc_stacktrace_symbolicate; 0 = not resolvable here */
        addrs[n - 1 - i] = base ? addr - hex_value(json_object_get(img, "image_addr")) + base : 0;
    }
    csc_stacktrace_symbolicate(addrs, n, out); /* out: oldest first, like `frames` */
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(frames, i);
        if (!addrs[n - 1 - i]) continue;
        const char *function = out[i].function, *package = out[i].package;
        char *pretty = NULL;
        int in_app = out[i].in_app;
        if (!function) { /* not in the dynamic symbol table: try the file's .symtab */
            uintptr_t addr = hex_value(json_object_get(f, "instruction_addr"));
            if (i + 1 < n && addr) addr--; /* return addresses: look up the call (all but the innermost) */
            json_t *img = image_at(images, addr);
            json_t *cur = img ? current_image(now, img) : NULL;
            const char *file = json_string_value(json_object_get(cur, "code_file"));
            if (file && *file && symtab_open(&symtab, file)) {
                uintptr_t vaddr = addr - hex_value(json_object_get(img, "image_addr")) +
                                  hex_value(json_object_get(img, "image_vmaddr"));
                const char *sym = symtab_lookup(&symtab, vaddr);
                if (sym) {
                    pretty = csc__demangle(sym);
                    function = pretty ? pretty : sym;
                    if (!package) package = file;
                    if (in_app < 0 && cur == json_array_get(now, 0)) in_app = 1; /* the main executable */
                }
            }
        }
        if (!function) continue;
        json_object_set_new(f, "function", json_string(function));
        if (package) json_object_set_new(f, "package", json_string(package));
        if (in_app >= 0) json_object_set_new(f, "in_app", json_boolean(in_app));
        free(pretty);
        any = true;
    }
done:
    symtab_close(&symtab);
    free(addrs);
    free(out);
    return any;
}

/* Writes the symbolicated report to `final` (tmp + rename). False on failure. */
static bool write_symbolicated(const char *final, const csc_envelope_t *env, json_t *ev) {
    char *payload = json_dumps(ev, JSON_COMPACT);
    csc_envelope_t *out = payload ? csc__envelope_new(env->event_id) : NULL;
    if (!out || csc__envelope_add_item(out, "event", "application/json", NULL, payload, strlen(payload)) != CSC_OK) {
        if (!out) free(payload);
        csc_envelope_free(out);
        return false;
    }
    size_t len;
    const char *bytes = csc_envelope_serialize(out, &len);
    char tmp[4240];
    snprintf(tmp, sizeof tmp, "%s.tmp", final);
    int fd = bytes ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    bool ok = fd >= 0 && write(fd, bytes, len) == (ssize_t)len;
    if (fd >= 0 && close(fd) != 0) ok = false;
    if (ok && rename(tmp, final) != 0) ok = false;
    if (!ok) unlink(tmp);
    csc_envelope_free(out);
    return ok;
}

void csc__crash_promote_pending(const char *cache_dir, bool symbolicate) {
    DIR *d = opendir(cache_dir);
    if (!d) return;
    json_t *now = NULL;
    struct dirent *de;
    char path[4200], final[4224];
    static const char suffix[] = CSC__CRASH_PENDING_SUFFIX;
    while ((de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        if (nl < sizeof suffix || strcmp(de->d_name + nl - (sizeof suffix - 1), suffix)) continue;
        snprintf(path, sizeof path, "%s/%s", cache_dir, de->d_name);
        snprintf(final, sizeof final, "%s/%.*s" CSC__CRASH_FINAL_SUFFIX, cache_dir, (int)(nl - (sizeof suffix - 1)),
                 de->d_name);
        bool done = false;
        if (symbolicate) {
            char *data = NULL;
            size_t len = 0;
            csc_envelope_t *env = NULL;
            if (csc__cache_read(path, &data, &len) == 0) env = csc__envelope_parse(data, len);
            free(data);
            json_t *ev = env ? csc_envelope_get_event(env) : NULL;
            if (ev && !now) now = csc_debug_images();
            if (ev && now && symbolicate_event(ev, now) && write_symbolicated(final, env, ev)) {
                unlink(path);
                done = true;
                csc__debug_log("crash: symbolicated %s with this run's images", de->d_name);
            }
            json_decref(ev);
            csc_envelope_free(env);
        }
        if (!done && rename(path, final) != 0) csc__debug_log("crash: cannot queue %s for sending", de->d_name);
    }
    closedir(d);
    json_decref(now);
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void csc__crash_hand_to_transport(const char *cache_dir, csc_transport_fn fn, void *user_data) {
    if (!cache_dir || !*cache_dir || !fn) return;
    DIR *d = opendir(cache_dir);
    if (!d) return;
    static const char suffix[] = CSC__CRASH_FINAL_SUFFIX;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        if (nl < sizeof suffix || strcmp(de->d_name + nl - (sizeof suffix - 1), suffix)) continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? cap * 2 : 8) * sizeof *names);
            if (!nn) break;
            names = nn;
        }
        if (!(names[n] = strdup(de->d_name))) break;
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_name); /* oldest first (timestamped names) */
    char path[4200];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", cache_dir, names[i]);
        char *data = NULL;
        size_t len = 0;
        csc_envelope_t *env = NULL;
        if (csc__cache_read(path, &data, &len) == 0) env = csc__envelope_parse(data, len);
        free(data);
        /* removed before the transport sees it: at most once, so a transport that crashes on
         * the report cannot turn it into a crash loop at every start */
        if (unlink(path) != 0 && errno != ENOENT) {
            csc__debug_log("crash: cannot remove %s (%s); not handed to the transport", names[i], strerror(errno));
            csc_envelope_free(env);
            env = NULL;
        }
        if (env) {
            csc__debug_log("crash: handing the crash report %s to the custom transport", names[i]);
            fn(env, user_data); /* takes ownership */
        } else {
            csc__debug_log("crash: dropped unreadable crash report %s", names[i]);
        }
        free(names[i]);
    }
    free(names);
}

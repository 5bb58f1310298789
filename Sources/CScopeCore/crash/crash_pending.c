/* At the next start (csc_init, before the transport reads the cache): turns the
 * crash reports left by a previous run ("<ts>-<pid>-crash.pending", a name the
 * disk cache ignores, so a transport still running in the crashing process
 * cannot send the report and leave its file behind to be sent twice) into
 * cached envelopes ("<ts>-<pid>-crash.envelope"). On the way it adds
 * function / package / in_app to the frames of images loaded again with the
 * same build id (the same binary), using the stack trace module's dladdr
 * symbolication after rebasing each address (ASLR moves images between runs).
 * Frames of other images stay address-only (Sentry symbolicates them from
 * debug_meta and uploaded debug files).
 *
 * Not signal-safe (ordinary thread, allocates). Ownership: everything here is
 * local; the rewritten file replaces the old one by rename. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../envelope_internal.h"
#include "../transport/disk_cache.h"
#include "crash_internal.h"
#include "cscope/stacktrace.h"

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

/* Base address, in this process, of the image with the same code_id; 0 if not loaded. */
static uintptr_t current_base(json_t *now, json_t *old_img) {
    const char *code_id = json_string_value(json_object_get(old_img, "code_id"));
    if (!code_id) return 0;
    size_t i;
    json_t *img;
    json_array_foreach(now, i, img) {
        const char *c = json_string_value(json_object_get(img, "code_id"));
        if (c && !strcmp(c, code_id)) return hex_value(json_object_get(img, "image_addr"));
    }
    return 0;
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
        if (!addrs[n - 1 - i] || !out[i].function) continue;
        json_object_set_new(f, "function", json_string(out[i].function));
        if (out[i].package) json_object_set_new(f, "package", json_string(out[i].package));
        if (out[i].in_app >= 0) json_object_set_new(f, "in_app", json_boolean(out[i].in_app));
        any = true;
    }
done:
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
        snprintf(final, sizeof final, "%s/%.*s" CSC__CRASH_FINAL_SUFFIX, cache_dir, (int)(nl - (sizeof suffix - 1)), de->d_name);
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

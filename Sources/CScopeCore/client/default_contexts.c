/* The os, device and runtime contexts (see default_contexts.h). */
#include "default_contexts.h"

#include <gnu/libc-version.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "support/util.h"

static void set_str(json_t *o, const char *key, const char *value) {
    if (!value || !*value) return;
    const char *clean;
    size_t n;
    if (csc__utf8_clean(value, strlen(value), 256, &clean, &n) < 0) return;
    json_object_set_new(o, key, json_stringn(clean, n));
    if (clean != value) free((void *)clean);
}

/* One KEY=value line of /etc/os-release, unquoted, into out (empty when absent). */
static void os_release_field(const char *text, const char *key, char *out, size_t cap) {
    out[0] = 0;
    size_t klen = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, klen) != 0 || line[klen] != '=') continue;
        const char *v = line + klen + 1;
        const char *end = strchr(v, '\n');
        size_t n = end ? (size_t)(end - v) : strlen(v);
        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
            v++;
            n -= 2;
        }
        if (n >= cap) n = cap - 1;
        memcpy(out, v, n);
        out[n] = 0;
        return;
    }
}

static json_t *os_context(void) {
    json_t *os = json_object();
    if (!os) return NULL;
    struct utsname u;
    if (uname(&u) == 0) {
        set_str(os, "name", u.sysname);    /* "Linux" */
        set_str(os, "version", u.release); /* kernel release, as sentry-native reports it */
        set_str(os, "kernel_version", u.release);
        set_str(os, "build", u.version);
    }
    char text[4096];
    FILE *f = fopen("/etc/os-release", "re");
    if (!f) f = fopen("/usr/lib/os-release", "re");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = 0;
        char v[256];
        os_release_field(text, "ID", v, sizeof v);
        set_str(os, "distribution_name", v);
        os_release_field(text, "VERSION_ID", v, sizeof v);
        set_str(os, "distribution_version", v);
        os_release_field(text, "PRETTY_NAME", v, sizeof v);
        set_str(os, "distribution_pretty_name", v);
    }
    return os;
}

static json_t *device_context(void) {
    json_t *d = json_object();
    if (!d) return NULL;
    struct utsname u;
    if (uname(&u) == 0) set_str(d, "arch", u.machine);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0) json_object_set_new(d, "processor_count", json_integer(cpus));
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) json_object_set_new(d, "memory_size", json_integer((json_int_t)pages * page));
    struct timespec up;
    if (clock_gettime(CLOCK_BOOTTIME, &up) == 0) {
        char ts[32];
        csc__format_timestamp(csc_now_us() - (int64_t)up.tv_sec * 1000000 - (int64_t)up.tv_nsec / 1000, ts);
        json_object_set_new(d, "boot_time", json_string(ts));
    }
    return d;
}

static json_t *runtime_context(const char *name, const char *version) {
    json_t *r = json_object();
    if (!r) return NULL;
    if (name) {
        set_str(r, "name", name);
        set_str(r, "version", version);
    } else {
        set_str(r, "name", "glibc");
        set_str(r, "version", gnu_get_libc_version());
    }
    return r;
}

json_t *csc__default_contexts_build(const char *runtime_name, const char *runtime_version) {
    json_t *c = json_object();
    if (!c) return NULL;
    json_object_set_new(c, "os", os_context());
    json_object_set_new(c, "device", device_context());
    json_object_set_new(c, "runtime", runtime_context(runtime_name, runtime_version));
    return c;
}

int csc__default_contexts_apply(json_t *event, const json_t *defaults) {
    if (!json_is_object(defaults) || json_object_size(defaults) == 0) return CSC_OK;
    json_t *contexts = json_object_get(event, "contexts");
    if (!json_is_object(contexts)) {
        contexts = json_object();
        if (!contexts || json_object_set_new(event, "contexts", contexts) != 0) return CSC_ERR_NOMEM;
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)defaults, key, value) {
        json_t *have = json_object_get(contexts, key);
        if (have && !json_is_null(have)) continue;
        if (json_object_set_new(contexts, key, json_deep_copy(value)) != 0) return CSC_ERR_NOMEM;
    }
    return CSC_OK;
}

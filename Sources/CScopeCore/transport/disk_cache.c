#ifndef _GNU_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#endif
#include "disk_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "options/options_internal.h"
#include "support/log.h"

#define SUFFIX            ".envelope"
#define TMP_SUFFIX        ".tmp"
#define STALE_TMP_SECONDS 600

struct csc__cache_s {
    char *dir;
    size_t max_files;
    uint64_t max_bytes;
};

static atomic_uint g_seq;

static int mkdir_p(const char *dir) {
    char *p = strdup(dir);
    if (!p) return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = (mkdir(p, 0700) == 0 || errno == EEXIST) ? 0 : -1;
    free(p);
    return rc;
}

static bool has_suffix(const char *name, const char *suffix) {
    size_t n = strlen(name), k = strlen(suffix);
    return n > k && strcmp(name + n - k, suffix) == 0;
}

typedef struct {
    char name[96];
    uint64_t size;
} entry_t;

static int cmp_entry(const void *a, const void *b) {
    return strcmp(((const entry_t *)a)->name, ((const entry_t *)b)->name);
}

/* Lists cached envelopes sorted oldest first (malloc'd). Removes stale temp files. */
static entry_t *list(csc__cache_t *c, size_t *count) {
    *count = 0;
    DIR *d = opendir(c->dir);
    if (!d) return NULL;
    size_t cap = 64, n = 0;
    entry_t *v = malloc(cap * sizeof *v);
    struct dirent *de;
    time_t now = time(NULL);
    while (v && (de = readdir(d))) {
        bool env = has_suffix(de->d_name, SUFFIX), tmp = has_suffix(de->d_name, TMP_SUFFIX);
        if ((!env && !tmp) || strlen(de->d_name) >= sizeof v[0].name) continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
        if (tmp) { /* left behind by a crash while writing */
            if (now - st.st_mtime > STALE_TMP_SECONDS) unlinkat(dirfd(d), de->d_name, 0);
            continue;
        }
        if (n == cap) {
            entry_t *nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv) break;
            v = nv;
        }
        strcpy(v[n].name, de->d_name);
        v[n].size = (uint64_t)st.st_size;
        n++;
    }
    closedir(d);
    if (v) qsort(v, n, sizeof *v, cmp_entry);
    *count = n;
    return v;
}

csc__cache_t *csc__cache_open(const char *dir, size_t max_files, uint64_t max_bytes) {
    if (!dir || !*dir) return NULL;
    if (mkdir_p(dir) != 0 || access(dir, W_OK | X_OK) != 0) {
        csc__debug_log("transport: cache directory %s is not usable: %s", dir, strerror(errno));
        return NULL;
    }
    csc__cache_t *c = calloc(1, sizeof *c);
    if (!c || !(c->dir = strdup(dir))) {
        free(c);
        return NULL;
    }
    c->max_files = max_files ? max_files : CSC__CACHE_MAX_FILES;
    c->max_bytes = max_bytes ? max_bytes : CSC__CACHE_MAX_BYTES;
    return c;
}

void csc__cache_close(csc__cache_t *c) {
    if (!c) return;
    free(c->dir);
    free(c);
}

size_t csc__cache_max_files(const csc__cache_t *c) { return c->max_files; }

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Evicts the oldest files until `files` more files and `bytes` more bytes fit in the bounds. */
static void enforce_bounds(csc__cache_t *c, size_t files, uint64_t bytes, csc__cache_evict_fn on_evict, void *ud) {
    size_t n;
    entry_t *v = list(c, &n);
    if (!v) return;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) total += v[i].size;
    char path[4096];
    for (size_t i = 0; i < n && (n - i + files > c->max_files || total + bytes > c->max_bytes); i++) {
        snprintf(path, sizeof path, "%s/%s", c->dir, v[i].name);
        char *data = NULL;
        size_t len = 0;
        if (on_evict && csc__cache_read(path, &data, &len) == 0) on_evict(data, len, ud);
        free(data);
        unlink(path);
        total -= v[i].size;
        csc__debug_log("transport: cache full, evicted %s", v[i].name);
    }
    free(v);
}

int csc__cache_store(csc__cache_t *c, const char *data, size_t len, csc__cache_evict_fn on_evict, void *ud) {
    if (len > c->max_bytes) return -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    unsigned seq = atomic_fetch_add(&g_seq, 1) % 1000000u;
    char name[96], tmp[4200], final[4200];
    snprintf(name, sizeof name, "%020" PRIu64 "-%d-%06u", us, (int)getpid(), seq);
    snprintf(tmp, sizeof tmp, "%s/%s" TMP_SUFFIX, c->dir, name);
    snprintf(final, sizeof final, "%s/%s" SUFFIX, c->dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        csc__debug_log("transport: cannot write cache file: %s", strerror(errno));
        return -1;
    }
    int rc = write_all(fd, data, len);
    if (close(fd) != 0) rc = -1;
    if (rc == 0 && rename(tmp, final) != 0) rc = -1;
    if (rc != 0) {
        csc__debug_log("transport: cannot write cache file: %s", strerror(errno));
        unlink(tmp);
        return -1;
    }
    enforce_bounds(c, 0, 0, on_evict, ud);
    return 0;
}

void csc__cache_reserve(csc__cache_t *c, size_t files, uint64_t bytes, csc__cache_evict_fn on_evict, void *ud) {
    enforce_bounds(c, files, bytes, on_evict, ud);
}

bool csc__cache_oldest(csc__cache_t *c, char *path, size_t cap) {
    size_t n;
    entry_t *v = list(c, &n);
    bool found = v && n > 0;
    if (found) snprintf(path, cap, "%s/%s", c->dir, v[0].name);
    free(v);
    return found;
}

size_t csc__cache_count(csc__cache_t *c) {
    size_t n;
    free(list(c, &n));
    return n;
}

int csc__cache_read(const char *path, char **data, size_t *len) {
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size > CSC__CACHE_MAX_BYTES * 4ull) {
        close(fd);
        return -1;
    }
    size_t n = (size_t)st.st_size, got = 0;
    char *buf = malloc(n + 1);
    if (!buf) {
        close(fd);
        return -1;
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = 0;
    *data = buf;
    *len = got;
    return 0;
}

void csc__cache_remove(const char *path) { unlink(path); }

/* Symbolication of captured addresses with dladdr, behind a per-address cache.
 *
 * Two tables, one mutex:
 * - the address cache: open addressing, CACHE_CAPACITY slots, emptied when it
 *   is 3/4 full or when csc_image_generation() changes (an address may then
 *   belong to another image);
 * - the string pool: every function name and image path handed out, interned
 *   and never freed, so frames keep pointing at valid strings after the cache
 *   is emptied (see the ownership rule in cscope/stacktrace.h).
 * dladdr and demangling run outside the lock. */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "support/util.h"
#include "stacktrace_internal.h"

/* Present when the process links libstdc++ / the Swift runtime; NULL otherwise. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status) __attribute__((weak));
extern char *swift_demangle(const char *mangled, size_t len, char *buf, size_t *buf_len, uint32_t flags)
    __attribute__((weak));

#define CACHE_CAPACITY 4096u /* power of two */
#define CACHE_MAX_FILL (CACHE_CAPACITY / 4u * 3u)

typedef struct {
    uintptr_t key; /* lookup address; 0 = empty slot */
    const char *function;
    const char *package;
    int in_app;
} entry_t;

typedef struct pooled_s {
    struct pooled_s *next;
    uint32_t hash;
    char str[];
} pooled_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
/* Everything below is guarded by mu. */
static entry_t cache[CACHE_CAPACITY];
static size_t cache_fill;
static uint64_t cache_generation;
static uint64_t stat_hits, stat_misses;
static pooled_t **pool;
static size_t pool_buckets, pool_count;

/* ------------------------------------------------------------ string pool */

static void pool_grow(void) {
    size_t nb = pool_buckets ? pool_buckets * 2 : 512;
    pooled_t **fresh = calloc(nb, sizeof *fresh);
    if (!fresh) return; /* keep the old, longer chains */
    for (size_t i = 0; i < pool_buckets; i++) {
        for (pooled_t *p = pool[i], *next; p; p = next) {
            next = p->next;
            p->next = fresh[p->hash & (nb - 1)];
            fresh[p->hash & (nb - 1)] = p;
        }
    }
    free(pool);
    pool = fresh;
    pool_buckets = nb;
}

/* The pooled copy of s (NULL for NULL or on OOM). Caller holds mu. */
static const char *intern_locked(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s);
    uint32_t h = csc__hash(s, n);
    if (pool_count >= pool_buckets) pool_grow();
    if (!pool_buckets) return NULL;
    for (pooled_t *p = pool[h & (pool_buckets - 1)]; p; p = p->next)
        if (p->hash == h && strcmp(p->str, s) == 0) return p->str;
    pooled_t *p = malloc(sizeof *p + n + 1);
    if (!p) return NULL;
    p->hash = h;
    memcpy(p->str, s, n + 1);
    p->next = pool[h & (pool_buckets - 1)];
    pool[h & (pool_buckets - 1)] = p;
    pool_count++;
    return p->str;
}

/* ------------------------------------------------------------ address cache */

static size_t slot_of(uintptr_t key) {
    uint64_t x = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 40) & (CACHE_CAPACITY - 1);
}

static const entry_t *cache_find_locked(uintptr_t key) {
    for (size_t i = slot_of(key);; i = (i + 1) & (CACHE_CAPACITY - 1)) {
        if (cache[i].key == key) return &cache[i];
        if (!cache[i].key) return NULL;
    }
}

static void cache_clear_locked(void) {
    memset(cache, 0, sizeof cache);
    cache_fill = 0;
}

static void cache_insert_locked(const entry_t *e) {
    if (cache_find_locked(e->key)) return; /* another thread was first */
    if (cache_fill >= CACHE_MAX_FILL) cache_clear_locked();
    size_t i = slot_of(e->key);
    while (cache[i].key) i = (i + 1) & (CACHE_CAPACITY - 1);
    cache[i] = *e;
    cache_fill++;
}

/* ------------------------------------------------------------ resolving */

char *csc__demangle(const char *sym) {
    if (sym[0] == '_' && sym[1] == 'Z' && __cxa_demangle) {
        int status = -1;
        char *out = __cxa_demangle(sym, NULL, NULL, &status);
        if (status == 0) return out;
        free(out);
        return NULL;
    }
    const char *s = sym[0] == '_' ? sym + 1 : sym;
    if (swift_demangle && (strncmp(s, "$s", 2) == 0 || strncmp(s, "$S", 2) == 0 || strncmp(s, "_T0", 3) == 0))
        return swift_demangle(sym, strlen(sym), NULL, NULL, 0);
    return NULL;
}

/* Resolves `key` with dladdr and interns the strings (takes mu briefly). */
static void resolve(uintptr_t key, entry_t *e) {
    Dl_info info;
    struct link_map *lm = NULL;
    memset(e, 0, sizeof *e);
    e->key = key;
    e->in_app = -1;
    if (!dladdr1((void *)key, &info, (void **)&lm, RTLD_DL_LINKMAP)) return;
    const char *path = info.dli_fname;
    int is_main = lm && lm->l_name && lm->l_name[0] == '\0';
    if (is_main) path = csc__main_executable_path();
    char *pretty = info.dli_sname ? csc__demangle(info.dli_sname) : NULL;
    const char *name = pretty ? pretty : info.dli_sname;

    pthread_mutex_lock(&mu);
    e->function = intern_locked(name);
    e->package = path && *path ? intern_locked(path) : NULL;
    pthread_mutex_unlock(&mu);
    free(pretty);
    e->in_app = is_main ? 1 : csc__in_app_for_path(path);
}

int csc_stacktrace_symbolicate(const uintptr_t *addrs, size_t n, csc_frame_t *frames_out) {
    if (!n) return 0;
    if (!addrs || !frames_out) return CSC_ERR_NULL;
    uint64_t gen = csc_image_generation();
    pthread_mutex_lock(&mu);
    if (gen != cache_generation) {
        cache_clear_locked();
        cache_generation = gen;
    }
    pthread_mutex_unlock(&mu);

    for (size_t i = 0; i < n; i++) {
        /* Return addresses point after the call; look up the call itself. */
        uintptr_t key = i > 0 && addrs[i] > 1 ? addrs[i] - 1 : addrs[i];
        csc_frame_t *f = &frames_out[n - 1 - i];
        memset(f, 0, sizeof *f);
        f->instruction_addr = addrs[i];
        f->in_app = -1;
        if (!key) continue;

        entry_t e;
        pthread_mutex_lock(&mu);
        const entry_t *hit = cache_find_locked(key);
        if (hit) {
            e = *hit;
            stat_hits++;
        } else {
            stat_misses++;
        }
        pthread_mutex_unlock(&mu);
        if (!hit) {
            resolve(key, &e);
            pthread_mutex_lock(&mu);
            if (cache_generation == gen) cache_insert_locked(&e);
            pthread_mutex_unlock(&mu);
        }
        f->function = e.function;
        f->package = e.package;
        f->in_app = e.in_app;
    }
    return (int)n;
}

void csc_stacktrace_cache_stats(uint64_t *hits, uint64_t *misses) {
    pthread_mutex_lock(&mu);
    if (hits) *hits = stat_hits;
    if (misses) *misses = stat_misses;
    pthread_mutex_unlock(&mu);
}

void csc_stacktrace_cache_reset(void) {
    pthread_mutex_lock(&mu);
    cache_clear_locked();
    stat_hits = stat_misses = 0;
    pthread_mutex_unlock(&mu);
}

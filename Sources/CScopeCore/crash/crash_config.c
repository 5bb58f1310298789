/* Crash reporting's life cycle (not signal-safe; ordinary threads only):
 * the option, installing/uninstalling the handlers (crash_handler.c), the config
 * the handler reads (prepared here so the handler only copies bytes), the
 * last-run marker, per-thread scope registration and alternate signal stacks.
 *
 * Ownership: the config is immutable once published; a replaced one is freed
 * only when no handler is running (else it is leaked, a few KiB). Registered
 * thread scopes are retained until replaced or the thread exits. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scope/scrubber.h"
#include "crash_internal.h"
#include "cscope/stacktrace.h"
#include "support/log.h"
#include "support/json_refcount.h" /* race-free json_incref/json_decref */

#define ALT_STACK_SIZE (64u * 1024)

extern const int csc__crash_signals[CSC__CRASH_NSIG];
extern struct sigaction csc__crash_prev[CSC__CRASH_NSIG];
extern atomic_int csc__crash_active;
void csc__crash_signal_handler(int sig, siginfo_t *si, void *uc);

enum { OPT_DEFAULT = 0, OPT_ON = 1, OPT_OFF = 2 };

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER; /* install/uninstall/refresh */
static atomic_bool g_installed;
static atomic_bool g_crashed_last_run;
static int g_probe[2] = {-1, -1};
static size_t g_max_crumbs = CSC_DEFAULT_MAX_BREADCRUMBS;
static bool g_scrub = true;
static char *g_cache_dir;          /* of the installed config, for refreshes */
static json_t *g_static_fields;    /* release, environment, ... (without debug_meta) */
static json_t *g_default_contexts; /* os, device, runtime of the options (csc_init builds them) */

/* ---------------------------------------------------------------- options */

int csc_options_set_crash_handler(csc_options_t *opts, bool enabled) {
    if (!opts) return CSC_ERR_NULL;
    opts->crash_handler = enabled ? OPT_ON : OPT_OFF;
    return CSC_OK;
}

bool csc_crashed_last_run(void) { return atomic_load(&g_crashed_last_run); }
bool csc_crash_handler_installed(void) { return atomic_load(&g_installed); }

/* ---------------------------------------------------------------- last run */

void csc__crash_detect_last_run(const csc_options_t *opts) {
    if (!opts || !opts->cache_dir || !*opts->cache_dir) return;
    /* always (also when crash reporting is now off): the reports are the user's data */
    csc__crash_promote_pending(opts->cache_dir, true);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", opts->cache_dir, CSC__CRASH_MARKER);
    if (access(path, F_OK) != 0) return;
    atomic_store(&g_crashed_last_run, true);
    unlink(path);
    csc__debug_log("crash: the previous run crashed; its report is in the cache and will be sent");
}

/* ---------------------------------------------------------------- the config */

static void config_free(csc__crash_config_t *c) {
    if (!c) return;
    for (int i = 0; i < c->n_defaults; i++) free(c->defaults[i].json);
    free(c->cache_dir);
    free(c->static_json);
    free(c);
}

/* Swaps in `next` (may be NULL); frees the old one unless a handler may be reading it. */
static void publish_config(csc__crash_config_t *next) {
    csc__crash_config_t *old = atomic_exchange(&csc__crash_cfg, next);
    if (old && atomic_load(&csc__crash_active) == 0) config_free(old);
}

static json_t *static_fields(const csc_options_t *o) {
    json_t *f = json_object();
    if (!f) return NULL;
    if (o->platform) json_object_set_new(f, "platform", json_string(o->platform));
    if (o->release) json_object_set_new(f, "release", json_string(o->release));
    if (o->environment) json_object_set_new(f, "environment", json_string(o->environment));
    if (o->dist) json_object_set_new(f, "dist", json_string(o->dist));
    if (o->server_name) json_object_set_new(f, "server_name", json_string(o->server_name));
    json_object_set_new(f, "sdk",
                        json_pack("{s:s,s:s,s:[{s:s,s:s}],s:[s]}", "name", o->sdk_name ? o->sdk_name : "sentry.cscope",
                                  "version", o->sdk_version ? o->sdk_version : CSC_VERSION, "packages", "name",
                                  "github:cscope", "version", CSC_VERSION, "integrations", "crash-handler"));
    return f;
}

/* Builds a config from the static fields plus the images loaded now. Caller holds g_mu. */
static csc__crash_config_t *build_config(void) {
    csc__crash_config_t *c = calloc(1, sizeof *c);
    if (!c || !(c->cache_dir = strdup(g_cache_dir))) {
        free(c);
        return NULL;
    }
    json_t *f = json_deep_copy(g_static_fields);
    json_t *images = csc_debug_images();
    if (f && images)
        json_object_set_new(f, "debug_meta", json_pack("{s:o}", "images", images));
    else
        json_decref(images);
    char *s = f ? json_dumps(f, JSON_COMPACT) : NULL;
    json_decref(f);
    size_t n = s ? strlen(s) : 0;
    if (n < 2) {
        free(s);
        config_free(c);
        return NULL;
    }
    /* "{...}" -> ",..." so it continues the event object (empty: "") */
    s[0] = ',';
    s[n - 1] = 0;
    c->static_json = s;
    c->static_len = n == 2 ? 0 : n - 1;
    csc_uuid4_hex(c->event_id);
    const char *key;
    json_t *value;
    json_object_foreach(g_default_contexts, key, value) {
        size_t kl = strlen(key);
        if (c->n_defaults == CSC__CRASH_MAX_DEFAULT_CTX || kl >= sizeof c->defaults[0].key) break;
        json_t *one = json_pack("{s:O}", key, value);
        char *text = one ? json_dumps(one, JSON_COMPACT) : NULL;
        json_decref(one);
        size_t tl = text ? strlen(text) : 0;
        if (tl < 2) {
            free(text);
            continue;
        }
        memmove(text, text + 1, tl - 2); /* {"os":{..}} -> "os":{..} */
        text[tl - 2] = 0;
        memcpy(c->defaults[c->n_defaults].key, key, kl + 1);
        c->defaults[c->n_defaults].klen = (uint32_t)kl;
        c->defaults[c->n_defaults].hash = csc__hash(key, kl);
        c->defaults[c->n_defaults].json = text;
        c->defaults[c->n_defaults].len = tl - 2;
        c->n_defaults++;
    }
    c->max_breadcrumbs = g_max_crumbs;
    c->scrub = g_scrub;
    c->probe_fd[0] = g_probe[0];
    c->probe_fd[1] = g_probe[1];
    return c;
}

int csc_crash_refresh_images(void) {
    pthread_mutex_lock(&g_mu);
    int rc = CSC_OK;
    if (!atomic_load(&g_installed))
        rc = CSC_ERR_DISABLED;
    else {
        csc__crash_config_t *c = build_config();
        if (c)
            publish_config(c);
        else
            rc = CSC_ERR_NOMEM;
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

/* ---------------------------------------------------------------- alternate stacks */

static pthread_key_t g_thread_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static CSC__CRASH_TLS bool t_attached;
static CSC__CRASH_TLS csc_scope_t *t_reg[2]; /* registered isolation, current (retained) */
static CSC__CRASH_TLS void *t_stack;         /* our alternate stack mapping, if we made one */

static void thread_exit(void *unused) {
    (void)unused;
    csc_scope_t *iso = t_reg[0], *cur = t_reg[1];
    t_reg[0] = t_reg[1] = NULL;
    csc_scope_release(iso);
    csc_scope_release(cur);
    if (t_stack) {
        stack_t ss = {.ss_flags = SS_DISABLE};
        stack_t now;
        if (sigaltstack(NULL, &now) == 0 && now.ss_sp == (char *)t_stack + getpagesize()) sigaltstack(&ss, NULL);
        munmap(t_stack, ALT_STACK_SIZE + (size_t)getpagesize());
        t_stack = NULL;
    }
}

static void key_init(void) { pthread_key_create(&g_thread_key, thread_exit); }

static void arm_thread_exit(void) {
    pthread_once(&g_key_once, key_init);
    pthread_setspecific(g_thread_key, (void *)1);
}

int csc_crash_thread_init(void) {
    t_attached = true;
    stack_t cur;
    if (sigaltstack(NULL, &cur) != 0) return CSC_ERR_INVALID;
    if (!(cur.ss_flags & SS_DISABLE) && cur.ss_size >= ALT_STACK_SIZE / 2) return CSC_OK; /* the host's (or ASan's) */
    if (t_stack) return CSC_OK;
    size_t page = (size_t)getpagesize();
    void *m = mmap(NULL, ALT_STACK_SIZE + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return CSC_ERR_NOMEM;
    mprotect(m, page, PROT_NONE); /* guard page below the stack */
    stack_t ss = {.ss_sp = (char *)m + page, .ss_size = ALT_STACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(m, ALT_STACK_SIZE + page);
        return CSC_ERR_INVALID;
    }
    t_stack = m;
    arm_thread_exit();
    return CSC_OK;
}

void csc__crash_thread_attach(void) {
    if (CSC_LIKELY(t_attached) || !atomic_load_explicit(&g_installed, memory_order_relaxed)) return;
    csc_crash_thread_init();
}

/* ---------------------------------------------------------------- thread scopes */

int csc_crash_set_thread_scopes(csc_scope_t *isolation, csc_scope_t *current) {
    csc_scope_t *old_iso = t_reg[0], *old_cur = t_reg[1];
    if (old_iso == isolation && old_cur == current) return CSC_OK;
    if (!old_iso && !old_cur) arm_thread_exit();
    /* publish the new pointers before releasing the old: a crash in between sees live scopes.
     * A slot that keeps its pointer keeps its reference (withScope changes the current scope only). */
    if (old_iso != isolation) t_reg[0] = csc_scope_retain(isolation);
    if (old_cur != current) t_reg[1] = csc_scope_retain(current);
    atomic_signal_fence(memory_order_seq_cst);
    if (old_iso != isolation) csc_scope_release(old_iso);
    if (old_cur != current) csc_scope_release(old_cur);
    csc__crash_thread_attach();
    return CSC_OK;
}

void csc__crash_registered_scopes(csc_scope_t **isolation, csc_scope_t **current) {
    *isolation = t_reg[0];
    *current = t_reg[1];
}

/* ---------------------------------------------------------------- install */

/* mkdir -p with mode 0700, as the disk cache does (a custom transport never opens the cache). */
static void make_dirs(const char *dir) {
    char *p = strdup(dir);
    if (!p) return;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        mkdir(p, 0700);
        *s = '/';
    }
    if (mkdir(p, 0700) != 0 && errno != EEXIST) csc__debug_log("crash: cannot create %s: %s", p, strerror(errno));
    free(p);
}

void csc__crash_install(const csc_options_t *o) {
    /* a custom transport never reads the cache: give it the reports the last start queued */
    if (o && o->transport && o->cache_dir && *o->cache_dir)
        csc__crash_hand_to_transport(o->cache_dir, o->transport, o->transport_data);
    bool want = o && o->crash_handler != OPT_OFF && o->cache_dir && *o->cache_dir;
    if (!want) {
        if (o && o->crash_handler == OPT_ON)
            csc__debug_log("crash: the crash handler needs a cache directory; not installed");
        csc__crash_uninstall();
        return;
    }
    make_dirs(o->cache_dir);
    pthread_mutex_lock(&g_mu);
    if (g_probe[0] < 0 && pipe2(g_probe, O_CLOEXEC | O_NONBLOCK) != 0) g_probe[0] = g_probe[1] = -1;
    free(g_cache_dir);
    g_cache_dir = strdup(o->cache_dir);
    json_decref(g_static_fields);
    g_static_fields = static_fields(o);
    json_decref(g_default_contexts);
    g_default_contexts = o->default_contexts ? json_deep_copy(o->default_contexts) : NULL;
    g_max_crumbs = o->max_breadcrumbs;
    g_scrub = !o->send_default_pii;
    csc__scrub_key("warm", 4); /* completes the scrubber's pthread_once now, not in the handler */
    csc__crash_config_t *c = g_cache_dir && g_static_fields && g_probe[0] >= 0 ? build_config() : NULL;
    if (!c) {
        pthread_mutex_unlock(&g_mu);
        csc__debug_log("crash: out of memory preparing the crash handler; not installed");
        csc__crash_uninstall();
        return;
    }
    publish_config(c);
    if (!atomic_load(&g_installed)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = csc__crash_signal_handler;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER; /* NODEFER: a fault inside the handler re-enters it */
        sigemptyset(&sa.sa_mask);
        for (int i = 0; i < CSC__CRASH_NSIG; i++) sigaction(csc__crash_signals[i], &sa, &csc__crash_prev[i]);
        atomic_store(&g_installed, true);
    }
    pthread_mutex_unlock(&g_mu);
    t_attached = false;                                   /* (re)check this thread's alternate stack */
    csc__tiers_set_thread_hook(csc__crash_thread_attach); /* threads that get default-storage scopes from now on */
    csc__crash_thread_attach();
    csc__debug_log("crash: handler installed (reports go to %s)", o->cache_dir);
}

void csc__crash_uninstall(void) {
    pthread_mutex_lock(&g_mu);
    if (atomic_load(&g_installed)) {
        for (int i = 0; i < CSC__CRASH_NSIG; i++) {
            struct sigaction now;
            /* only if ours is still the installed one: a handler installed later chains to us and keeps working */
            if (sigaction(csc__crash_signals[i], NULL, &now) == 0 && (now.sa_flags & SA_SIGINFO) &&
                now.sa_sigaction == csc__crash_signal_handler)
                sigaction(csc__crash_signals[i], &csc__crash_prev[i], NULL);
        }
        atomic_store(&g_installed, false);
        publish_config(NULL);
    }
    pthread_mutex_unlock(&g_mu);
}

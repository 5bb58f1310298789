/* The crash handler's parts without crashing, so they also run under ASan/TSan:
 * install/uninstall and chaining order, the report writer called directly with a
 * getcontext() context while other threads keep writing the same scopes, thread
 * scope registration (retain/release), the last-run marker, image refresh. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cscope.h>
#include <cscope/crash.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash/crash_internal.h"

static int failures;
#define CHECK(c, ...)                                                                                                  \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            failures++;                                                                                                \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                                       \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fputc('\n', stderr);                                                                                       \
        }                                                                                                              \
    } while (0)

static char g_dir[256];
static atomic_bool g_stop;
static csc_scope_t *g_main_iso;

static void dummy_handler(int sig) { (void)sig; }

static void transport(csc_envelope_t *env, void *ud) {
    (void)ud;
    csc_envelope_free(env);
}

static void init(void) {
    csc_options_t *o = csc_options_new();
    csc_options_set_dsn(o, "http://k@127.0.0.1:9/1");
    csc_options_set_transport(o, transport, NULL);
    csc_options_set_release(o, "writer@1");
    csc_options_set_cache_dir(o, g_dir);
    CHECK(csc_init(o) == CSC_OK, "csc_init");
}

static bool is_ours(int sig) {
    struct sigaction sa;
    sigaction(sig, NULL, &sa);
    return (sa.sa_flags & SA_SIGINFO) && sa.sa_handler != dummy_handler && sa.sa_handler != SIG_DFL;
}

/* Writes a report for a pretend SIGSEGV here and returns its event (caller decrefs), removing the files. */
static json_t *write_report(void) {
    ucontext_t uc;
    getcontext(&uc);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGSEGV;
    si.si_code = SEGV_MAPERR;
    csc__crash_config_t *cfg = atomic_load(&csc__crash_cfg);
    CHECK(cfg != NULL, "config published");
    if (!cfg || !csc__crash_write(cfg, SIGSEGV, &si, &uc)) {
        CHECK(0, "report written");
        return NULL;
    }
    json_t *ev = NULL;
    DIR *d = opendir(g_dir);
    struct dirent *de;
    char path[600];
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 14 || strcmp(de->d_name + n - 14, "-crash.pending")) continue;
        snprintf(path, sizeof path, "%s/%s", g_dir, de->d_name);
        FILE *f = fopen(path, "rb");
        static char buf[1 << 20];
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = 0;
        char *l2 = strchr(buf, '\n');
        char *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
        json_error_t err;
        if (l3) ev = json_loads(l3 + 1, JSON_DISABLE_EOF_CHECK, &err);
        CHECK(ev != NULL, "event parses: %s", l3 ? err.text : "no payload line");
        unlink(path);
    }
    closedir(d);
    return ev;
}

static void *writer(void *arg) {
    long id = (long)arg;
    char k[32], v[32];
    for (long i = 0; !atomic_load(&g_stop); i++) {
        snprintf(k, sizeof k, "k%ld_%ld", id, i % 8);
        snprintf(v, sizeof v, "v%ld", i);
        csc_scope_set_tag(csc_global_scope(), k, v);
        csc_scope_set_tag(g_main_iso, k, v);
        csc_breadcrumb_t b = {.category = "w", .message = v};
        csc_scope_add_breadcrumb(g_main_iso, &b);
        if (i % 16 == 0) csc_scope_set_user(g_main_iso, json_pack("{s:s}", "id", v));
        if (i % 32 == 0)
            csc_scope_set_context(csc_global_scope(), "ctx", json_pack("{s:i,s:f}", "i", (int)i, "f", 0.5));
    }
    return NULL;
}

int main(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/csc-crash-writer-%d", (int)getpid());
    signal(SIGSEGV, dummy_handler);
    init();
    CHECK(csc_crash_handler_installed(), "installed with a cache dir");
    CHECK(is_ours(SIGSEGV) && is_ours(SIGABRT) && is_ours(SIGTRAP), "handlers installed");
    CHECK(!csc_crashed_last_run(), "no crash before");

    /* the report, while other threads keep writing the scopes it reads */
    g_main_iso = csc_isolation_scope();
    csc_scope_set_tag(csc_current_scope(), "cur", "1");
    pthread_t t[2];
    for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, writer, (void *)i);
    for (int i = 0; i < 40; i++) {
        json_t *ev = write_report();
        if (!ev) break;
        CHECK(!strcmp(json_string_value(json_object_get(ev, "level")), "fatal"), "level");
        CHECK(!strcmp(json_string_value(json_object_get(ev, "release")), "writer@1"), "release");
        CHECK(json_is_string(json_object_get(json_object_get(ev, "tags"), "cur")), "current scope's tag");
        json_t *frames = json_object_get(
            json_object_get(
                json_object_get(json_array_get(json_object_get(json_object_get(ev, "exception"), "values"), 0),
                                "stacktrace"),
                "frames"),
            "frames");
        (void)frames;
        json_t *st = json_object_get(json_array_get(json_object_get(json_object_get(ev, "exception"), "values"), 0),
                                     "stacktrace");
        CHECK(json_array_size(json_object_get(st, "frames")) >= 2, "frames from getcontext");
        json_decref(ev);
    }
    atomic_store(&g_stop, true);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);

    /* registered thread scopes replace the default storage's */
    csc_scope_t *iso = csc_scope_new(), *cur = csc_scope_new();
    csc_scope_set_tag(iso, "registered", "yes");
    CHECK(csc_crash_set_thread_scopes(iso, cur) == CSC_OK, "register");
    csc_scope_release(iso);
    csc_scope_release(cur);
    json_t *ev = write_report();
    json_t *tags = json_object_get(ev, "tags");
    CHECK(json_is_string(json_object_get(tags, "registered")) && !json_object_get(tags, "cur"),
          "registered scopes used");
    json_decref(ev);
    /* only the current scope changes (the Swift overlay's withScope): the isolation slot keeps its
     * reference; the registration holds the only references here (ASan: no leak, no use after free) */
    csc_scope_t *cur2 = csc_scope_new();
    csc_scope_set_tag(cur2, "cur2", "yes");
    CHECK(csc_crash_set_thread_scopes(iso, cur2) == CSC_OK, "register a new current scope");
    csc_scope_release(cur2);
    ev = write_report();
    tags = json_object_get(ev, "tags");
    CHECK(json_is_string(json_object_get(tags, "registered")) && json_is_string(json_object_get(tags, "cur2")),
          "the kept isolation scope and the new current scope are used");
    json_decref(ev);
    CHECK(csc_crash_set_thread_scopes(NULL, NULL) == CSC_OK, "unregister (releases)");

    CHECK(csc_crash_refresh_images() == CSC_OK, "refresh images");
    csc_close();
    CHECK(!csc_crash_handler_installed(), "uninstalled by csc_close");
    struct sigaction sa;
    sigaction(SIGSEGV, NULL, &sa);
    CHECK(sa.sa_handler == dummy_handler, "the previous handler is back");

    /* the marker of the last report: the next csc_init sees it, once */
    char marker[600];
    snprintf(marker, sizeof marker, "%s/%s", g_dir, CSC__CRASH_MARKER);
    CHECK(access(marker, F_OK) == 0, "marker written");
    init();
    CHECK(csc_crashed_last_run(), "crashed_last_run");
    CHECK(access(marker, F_OK) != 0, "marker consumed");
    csc_close();

    /* opt-out, and no cache dir: not installed */
    csc_options_t *o = csc_options_new();
    csc_options_set_transport(o, transport, NULL);
    csc_options_set_cache_dir(o, g_dir);
    csc_options_set_crash_handler(o, false);
    csc_init(o);
    CHECK(!csc_crash_handler_installed(), "opt-out");
    csc_close();
    o = csc_options_new();
    csc_options_set_transport(o, transport, NULL);
    csc_options_set_crash_handler(o, true);
    csc_init(o);
    CHECK(!csc_crash_handler_installed(), "no cache dir: nowhere to write");
    csc_close();

    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("test_crash_writer: ok\n");
    return 0;
}

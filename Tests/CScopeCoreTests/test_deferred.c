/*
 * test_deferred.c: the capture fast path with the built-in HTTP transport. Without
 * event processors and before_send, a capture only snapshots the scopes and queues
 * the envelope; the transport's worker merges and serializes it later (capture.c).
 * The event must still show the scopes as they were at the capture call.
 *
 * No server: the DSN points at a closed local port, so the worker fails to connect
 * and writes what it holds into the cache directory, where the test reads the
 * rendered events back.
 */
#include <dirent.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"

static char g_cache[256];

static int start_http(void) {
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_dsn(o, "http://0123456789abcdef0123456789abcdef@127.0.0.1:9/5");
    (void)csc_options_set_release(o, "deferred@1.0.0");
    (void)csc_options_set_environment(o, "testing");
    (void)csc_options_set_cache_dir(o, g_cache);
    (void)csc_options_set_crash_handler(o, false);
    (void)csc_options_set_send_client_reports(o, false);
    (void)csc_options_set_shutdown_timeout(o, 500);
    return csc_init(o);
}

/* The text of the cached envelope that mentions `id` (static buffer), or NULL. */
static const char *cached_envelope(const char *id) { return tl_cached_envelope(g_cache, id); }

/* The event of the cached envelope of `id` (its first item); caller owns. NULL when absent. */
static json_t *cached_event(const char *id) {
    const char *text = cached_envelope(id);
    const char *item = text ? strchr(text, '\n') : NULL; /* after the envelope header */
    const char *payload = item ? strchr(item + 1, '\n') : NULL;
    if (!payload || !strstr(item, "\"type\":\"event\"")) return NULL;
    const char *end = strchr(payload + 1, '\n');
    return json_loadb(payload + 1, end ? (size_t)(end - payload - 1) : strlen(payload + 1), 0, NULL);
}

/* True when the cached envelope of `id` carries note.txt with "hello". */
static bool cached_attachment_follows(const char *id) {
    const char *text = cached_envelope(id);
    return text && strstr(text, "\"filename\":\"note.txt\"") && strstr(text, "\nhello\n");
}

static int count_cached(void) {
    DIR *d = opendir(g_cache);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += strstr(e->d_name, ".envelope") != NULL;
    closedir(d);
    return n;
}

static void empty_cache(void) {
    DIR *d = opendir(g_cache);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", g_cache, e->d_name);
        unlink(path);
    }
    closedir(d);
}

/* What the scopes held at the call is what the event shows, whatever happens to them after. */
static void test_event_shows_the_scopes_at_capture_time(void) {
    empty_cache();
    CHECK_EQ_INT(start_http(), CSC_OK);
    csc_scope_token_t t;
    CHECK_EQ_INT(csc_push_isolation_scope(&t), CSC_OK);
    csc_scope_t *iso = csc_isolation_scope();
    (void)csc_scope_set_tag(iso, "phase", "before");
    (void)csc_scope_set_user(iso, json_pack("{s:s}", "id", "u-1"));
    csc_breadcrumb_t b1 = {.message = "first", .category = "test"};
    (void)csc_scope_add_breadcrumb(iso, &b1);
    (void)csc_scope_add_attachment_bytes(iso, "hello", 5, "note.txt", NULL);
    char id[33];
    CHECK_EQ_INT(csc_capture_message("deferred", CSC_LEVEL_WARNING, NULL, id), CSC_OK);
    char last[33];
    CHECK(csc_last_event_id(last) && strcmp(last, id) == 0); /* known at once, before rendering */
    /* changed right after the call, before the worker can have rendered the event */
    (void)csc_scope_set_tag(iso, "phase", "after");
    (void)csc_scope_set_user(iso, json_pack("{s:s}", "id", "u-2"));
    csc_breadcrumb_t b2 = {.message = "second", .category = "test"};
    (void)csc_scope_add_breadcrumb(iso, &b2);
    csc_scope_clear(iso);
    CHECK_EQ_INT(csc_pop_isolation_scope(&t), CSC_OK);
    CHECK_EQ_INT(csc_close(), CSC_OK);

    json_t *ev = cached_event(id);
    CHECK(ev != NULL);
    if (!ev) return;
    CHECK_STR(tl_str(ev, "event_id"), id);
    CHECK_STR(tl_str(ev, "tags.phase"), "before");
    CHECK_STR(tl_str(ev, "user.id"), "u-1");
    CHECK_STR(tl_str(ev, "level"), "warning");
    CHECK_STR(tl_str(ev, "release"), "deferred@1.0.0");
    CHECK_STR(tl_str(ev, "platform"), "native");
    CHECK(tl_str(ev, "timestamp") != NULL);
    CHECK(tl_str(ev, "contexts.os.name") != NULL);
    CHECK(tl_is_hex(tl_str(ev, "contexts.trace.trace_id"), 32));
    json_t *crumbs = tl_crumbs(ev);
    CHECK(crumbs && json_array_size(crumbs) == 1);
    CHECK_STR(tl_str(json_array_get(crumbs, 0), "message"), "first");
    json_decref(ev);
    CHECK(cached_attachment_follows(id)); /* rendered with the event, from the capture's snapshot */
}

/* Sampling still drops on the fast path, before anything is queued. */
static void test_sample_rate_zero_on_the_fast_path(void) {
    empty_cache();
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_dsn(o, "http://0123456789abcdef0123456789abcdef@127.0.0.1:9/5");
    (void)csc_options_set_cache_dir(o, g_cache);
    (void)csc_options_set_crash_handler(o, false);
    (void)csc_options_set_send_client_reports(o, false);
    (void)csc_options_set_sample_rate(o, 0.0);
    CHECK_EQ_INT(csc_init(o), CSC_OK);
    CHECK_EQ_INT(csc_capture_message("sampled out", CSC_LEVEL_INFO, NULL, NULL), CSC_ERR_DROPPED);
    CHECK_EQ_INT(csc_close(), CSC_OK);
    CHECK_EQ_INT(count_cached(), 0);
}

/* Captures on several threads while another keeps rewriting the global scope and the client
 * restarts: every event is rendered from a consistent snapshot (run under TSan/ASan by test-c.sh). */
#define THREADS    4
#define PER_THREAD 6
static atomic_int g_stop;

static void *capturer(void *arg) {
    long n = (long)arg;
    csc_scope_token_t t;
    (void)csc_push_isolation_scope(&t);
    char v[16];
    snprintf(v, sizeof v, "t%ld", n);
    (void)csc_scope_set_tag(csc_isolation_scope(), "thread", v);
    for (int i = 0; i < PER_THREAD; i++) {
        csc_breadcrumb_t b = {.message = v, .category = "loop"};
        (void)csc_scope_add_breadcrumb(csc_isolation_scope(), &b);
        (void)csc_capture_message(v, CSC_LEVEL_INFO, NULL, NULL);
    }
    (void)csc_pop_isolation_scope(&t);
    return NULL;
}

static void *mutator(void *arg) {
    (void)arg;
    char v[24];
    for (long i = 0; !atomic_load(&g_stop); i++) {
        snprintf(v, sizeof v, "%ld", i);
        (void)csc_scope_set_tag(csc_global_scope(), "g", v);
        (void)csc_scope_set_context(csc_global_scope(), "c", json_pack("{s:s}", "i", v));
    }
    return NULL;
}

static void test_concurrent_fast_path_captures(void) {
    empty_cache();
    CHECK_EQ_INT(start_http(), CSC_OK);
    atomic_store(&g_stop, 0);
    pthread_t m, th[THREADS];
    pthread_create(&m, NULL, mutator, NULL);
    for (long i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, capturer, (void *)i);
    for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    atomic_store(&g_stop, 1);
    pthread_join(m, NULL);
    CHECK_EQ_INT(csc_close(), CSC_OK);
    int n = count_cached();
    CHECK(n > 0 && n <= THREADS * PER_THREAD);
    csc_scope_clear(csc_global_scope());
}

int main(void) {
    unsetenv("SENTRY_DSN");
    snprintf(g_cache, sizeof g_cache, "%s/csc-deferred-%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    mkdir(g_cache, 0700);
    RUN(test_event_shows_the_scopes_at_capture_time);
    RUN(test_sample_rate_zero_on_the_fast_path);
    RUN(test_concurrent_fast_path_captures);
    empty_cache();
    rmdir(g_cache);
    return TL_DONE();
}

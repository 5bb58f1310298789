/*
 * test_tiers.c: the three tiers (include/cscope/tiers.h): the global
 * singleton, per-thread isolation/current scopes, push/pop and their errors,
 * replaceable storage, last event id per context, and the side effect of
 * the default storage with crash reporting on (an alternate signal stack per
 * thread) and its cost.
 */
#include <dirent.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static int has_tag(csc_scope_t *s, const char *key, const char *value) {
    json_t *j = csc_scope_to_json(s);
    const char *v = json_string_value(json_object_get(json_object_get(j, "tags"), key));
    int r = value ? (v && strcmp(v, value) == 0) : (json_object_get(json_object_get(j, "tags"), key) != NULL);
    json_decref(j);
    return r;
}

static void *global_of_thread(void *arg) {
    *(csc_scope_t **)arg = csc_global_scope();
    return NULL;
}

static void test_global_singleton(void) {
    csc_scope_t *g = csc_global_scope();
    CHECK(g != NULL);
    CHECK(csc_global_scope() == g);
    csc_scope_t *other = NULL;
    pthread_t t;
    pthread_create(&t, NULL, global_of_thread, &other);
    pthread_join(t, NULL);
    CHECK(other == g);
    CHECK(csc_isolation_scope() != g);
    CHECK(csc_current_scope() != g);
    CHECK(csc_isolation_scope() != csc_current_scope());
    CHECK(csc_isolation_scope() == csc_isolation_scope());
    CHECK(csc_current_scope() == csc_current_scope());
}

/* ------------------------------------------------------------ thread-local isolation */

typedef struct {
    const char *name, *other;
    pthread_barrier_t *bar;
    csc_scope_t *iso, *cur;
    char trace[33];
    int saw_main_tags, own_ok, saw_other, got_trace;
} tl_arg_t;

static void *tier_thread(void *p) {
    tl_arg_t *a = p;
    a->iso = csc_isolation_scope();
    a->cur = csc_current_scope();
    a->saw_main_tags = has_tag(a->iso, "main", NULL) || has_tag(a->cur, "main", NULL);
    (void)csc_scope_set_tag(csc_isolation_scope(), "who", a->name);
    (void)csc_scope_set_tag(csc_current_scope(), "who", a->name);
    char key[32];
    snprintf(key, sizeof key, "only_%s", a->name);
    (void)csc_scope_set_tag(csc_current_scope(), key, "1");
    pthread_barrier_wait(a->bar); /* both threads wrote */
    snprintf(key, sizeof key, "only_%s", a->other);
    a->own_ok = has_tag(csc_isolation_scope(), "who", a->name) && has_tag(csc_current_scope(), "who", a->name);
    a->saw_other = has_tag(csc_current_scope(), key, NULL) || has_tag(csc_isolation_scope(), key, NULL);
    a->got_trace = csc_scope_get_trace_id(csc_isolation_scope(), a->trace);
    pthread_barrier_wait(a->bar); /* keep both alive while main compares pointers */
    pthread_barrier_wait(a->bar);
    return NULL;
}

static void test_thread_local_isolation(void) {
    (void)csc_scope_set_tag(csc_isolation_scope(), "main", "1");
    (void)csc_scope_set_tag(csc_current_scope(), "main", "1");
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 3);
    tl_arg_t a = {.name = "A", .other = "B", .bar = &bar}, b = {.name = "B", .other = "A", .bar = &bar};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, tier_thread, &a);
    pthread_create(&tb, NULL, tier_thread, &b);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    CHECK(a.iso != b.iso && a.cur != b.cur);
    CHECK(a.iso != csc_isolation_scope() && a.cur != csc_current_scope());
    CHECK(b.iso != csc_isolation_scope() && b.cur != csc_current_scope());
    CHECK(!a.saw_main_tags && !b.saw_main_tags); /* a new thread starts empty */
    CHECK(a.own_ok && b.own_ok);
    CHECK(!a.saw_other && !b.saw_other);
    CHECK(a.got_trace && b.got_trace);
    CHECK(strcmp(a.trace, b.trace) != 0); /* a new thread starts a new trace */
    pthread_barrier_wait(&bar);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&bar);
    CHECK(!has_tag(csc_current_scope(), "who", NULL));
    CHECK(!has_tag(csc_isolation_scope(), "who", NULL));
    (void)csc_scope_remove_tag(csc_isolation_scope(), "main");
    (void)csc_scope_remove_tag(csc_current_scope(), "main");
}

/* ------------------------------------------------------------ push / pop */

static void test_push_pop_scope(void) {
    csc_scope_t *iso0 = csc_isolation_scope(), *cur0 = csc_current_scope();
    (void)csc_scope_set_tag(cur0, "a", "outer");
    csc_scope_token_t tok;
    CHECK_EQ_INT(csc_push_scope(&tok), CSC_OK);
    csc_scope_t *cur1 = csc_current_scope();
    CHECK(cur1 != cur0);
    CHECK(csc_isolation_scope() == iso0);
    CHECK(has_tag(cur1, "a", "outer")); /* a fork of the current scope */
    (void)csc_scope_set_tag(cur1, "a", "inner");
    (void)csc_scope_set_tag(csc_isolation_scope(), "leak", "yes"); /* isolation is not forked by push_scope */
    CHECK_EQ_INT(csc_pop_scope(&tok), CSC_OK);
    CHECK(csc_current_scope() == cur0);
    CHECK(has_tag(cur0, "a", "outer"));
    CHECK(has_tag(csc_isolation_scope(), "leak", "yes"));
    (void)csc_scope_remove_tag(cur0, "a");
    (void)csc_scope_remove_tag(iso0, "leak");
}

static void test_push_pop_isolation_scope(void) {
    csc_scope_t *iso0 = csc_isolation_scope(), *cur0 = csc_current_scope();
    (void)csc_scope_set_tag(iso0, "i", "outer");
    char t0[33] = "", t1[33] = "";
    CHECK(csc_scope_get_trace_id(iso0, t0));
    csc_scope_token_t tok;
    CHECK_EQ_INT(csc_push_isolation_scope(&tok), CSC_OK);
    csc_scope_t *iso1 = csc_isolation_scope(), *cur1 = csc_current_scope();
    CHECK(iso1 != iso0 && cur1 != cur0);
    CHECK(has_tag(iso1, "i", "outer"));
    CHECK(csc_scope_get_trace_id(iso1, t1));
    CHECK_STR(t1, t0); /* forks share the parent's trace */
    (void)csc_scope_set_tag(iso1, "i", "inner");
    (void)csc_scope_set_tag(cur1, "c", "inner");
    (void)csc_scope_set_tag(csc_global_scope(), "g", "persists");
    CHECK_EQ_INT(csc_pop_isolation_scope(&tok), CSC_OK);
    CHECK(csc_isolation_scope() == iso0 && csc_current_scope() == cur0);
    CHECK(has_tag(iso0, "i", "outer"));
    CHECK(!has_tag(cur0, "c", NULL));
    CHECK(has_tag(csc_global_scope(), "g", "persists")); /* the global scope is never forked */
    (void)csc_scope_remove_tag(iso0, "i");
    (void)csc_scope_remove_tag(csc_global_scope(), "g");
}

static void test_nested_push_pop(void) {
    csc_scope_t *cur0 = csc_current_scope(), *iso0 = csc_isolation_scope();
    csc_scope_token_t t1, t2, t3;
    CHECK_EQ_INT(csc_push_scope(&t1), CSC_OK);
    csc_scope_t *c1 = csc_current_scope();
    CHECK_EQ_INT(csc_push_isolation_scope(&t2), CSC_OK);
    csc_scope_t *c2 = csc_current_scope(), *i2 = csc_isolation_scope();
    CHECK_EQ_INT(csc_push_scope(&t3), CSC_OK);
    CHECK(csc_current_scope() != c2 && csc_isolation_scope() == i2);
    CHECK_EQ_INT(csc_pop_scope(&t3), CSC_OK);
    CHECK(csc_current_scope() == c2 && csc_isolation_scope() == i2);
    CHECK_EQ_INT(csc_pop_isolation_scope(&t2), CSC_OK);
    CHECK(csc_current_scope() == c1 && csc_isolation_scope() == iso0);
    CHECK_EQ_INT(csc_pop_scope(&t1), CSC_OK);
    CHECK(csc_current_scope() == cur0 && csc_isolation_scope() == iso0);
}

static void test_pop_outer_while_inner_active(void) {
    csc_scope_t *cur0 = csc_current_scope();
    csc_scope_token_t outer, inner;
    CHECK_EQ_INT(csc_push_scope(&outer), CSC_OK);
    CHECK_EQ_INT(csc_push_scope(&inner), CSC_OK);
    csc_scope_t *c2 = csc_current_scope();
    CHECK_EQ_INT(csc_pop_scope(&outer), CSC_ERR_SCOPE_MISMATCH);
    CHECK(csc_current_scope() == c2); /* nothing changed */
    CHECK_EQ_INT(csc_pop_scope(&inner), CSC_OK);
    CHECK_EQ_INT(csc_pop_scope(&outer), CSC_OK); /* the outer token is still valid */
    CHECK(csc_current_scope() == cur0);
}

static void test_pop_outer_isolation_while_scope_active(void) {
    csc_scope_t *cur0 = csc_current_scope(), *iso0 = csc_isolation_scope();
    csc_scope_token_t outer, inner;
    CHECK_EQ_INT(csc_push_isolation_scope(&outer), CSC_OK);
    CHECK_EQ_INT(csc_push_scope(&inner), CSC_OK);
    csc_scope_t *c2 = csc_current_scope(), *i1 = csc_isolation_scope();
    CHECK_EQ_INT(csc_pop_isolation_scope(&outer), CSC_ERR_SCOPE_MISMATCH);
    CHECK(csc_current_scope() == c2 && csc_isolation_scope() == i1);
    CHECK_EQ_INT(csc_pop_scope(&inner), CSC_OK);
    CHECK_EQ_INT(csc_pop_isolation_scope(&outer), CSC_OK);
    CHECK(csc_current_scope() == cur0 && csc_isolation_scope() == iso0);
}

static void test_pop_wrong_kind(void) {
    csc_scope_t *cur0 = csc_current_scope(), *iso0 = csc_isolation_scope();
    csc_scope_token_t t;
    CHECK_EQ_INT(csc_push_scope(&t), CSC_OK);
    csc_scope_t *c1 = csc_current_scope();
    CHECK_EQ_INT(csc_pop_isolation_scope(&t), CSC_ERR_SCOPE_MISMATCH);
    CHECK(csc_current_scope() == c1 && csc_isolation_scope() == iso0);
    CHECK_EQ_INT(csc_pop_scope(&t), CSC_OK);
    CHECK(csc_current_scope() == cur0);

    CHECK_EQ_INT(csc_push_isolation_scope(&t), CSC_OK);
    csc_scope_t *i1 = csc_isolation_scope();
    c1 = csc_current_scope();
    CHECK_EQ_INT(csc_pop_scope(&t), CSC_ERR_SCOPE_MISMATCH);
    CHECK(csc_current_scope() == c1 && csc_isolation_scope() == i1);
    CHECK_EQ_INT(csc_pop_isolation_scope(&t), CSC_OK);
    CHECK(csc_current_scope() == cur0 && csc_isolation_scope() == iso0);
}

static void test_double_pop_and_never_pushed(void) {
    csc_scope_t *cur0 = csc_current_scope(), *iso0 = csc_isolation_scope();
    csc_scope_token_t t;
    CHECK_EQ_INT(csc_push_scope(&t), CSC_OK);
    CHECK_EQ_INT(csc_pop_scope(&t), CSC_OK);
    CHECK_EQ_INT(csc_pop_scope(&t), CSC_ERR_SCOPE_UNDERFLOW);
    CHECK(csc_current_scope() == cur0);
    CHECK_EQ_INT(csc_push_isolation_scope(&t), CSC_OK);
    CHECK_EQ_INT(csc_pop_isolation_scope(&t), CSC_OK);
    CHECK_EQ_INT(csc_pop_isolation_scope(&t), CSC_ERR_SCOPE_UNDERFLOW);
    CHECK(csc_current_scope() == cur0 && csc_isolation_scope() == iso0);

    csc_scope_token_t zero;
    memset(&zero, 0, sizeof zero);
    CHECK_EQ_INT(csc_pop_scope(&zero), CSC_ERR_SCOPE_UNDERFLOW);
    CHECK_EQ_INT(csc_pop_isolation_scope(&zero), CSC_ERR_SCOPE_UNDERFLOW);
    CHECK(csc_current_scope() == cur0 && csc_isolation_scope() == iso0);

    /* a popped token from an outer level while another push is active */
    csc_scope_token_t a, b;
    CHECK_EQ_INT(csc_push_scope(&a), CSC_OK);
    CHECK_EQ_INT(csc_pop_scope(&a), CSC_OK);
    CHECK_EQ_INT(csc_push_scope(&b), CSC_OK);
    csc_scope_t *cb = csc_current_scope();
    int rc = csc_pop_scope(&a);
    CHECK(rc == CSC_ERR_SCOPE_UNDERFLOW || rc == CSC_ERR_SCOPE_MISMATCH);
    CHECK(csc_current_scope() == cb);
    CHECK_EQ_INT(csc_pop_scope(&b), CSC_OK);
    CHECK(csc_current_scope() == cur0);
}

static void *pop_elsewhere(void *p) {
    csc_scope_t *cur = csc_current_scope();
    intptr_t rc = csc_pop_scope((csc_scope_token_t *)p);
    if (csc_current_scope() != cur) rc = 12345; /* this thread's context must not change */
    return (void *)rc;
}

static void test_pop_in_another_thread_fails(void) {
    csc_scope_t *cur0 = csc_current_scope();
    csc_scope_token_t t;
    CHECK_EQ_INT(csc_push_scope(&t), CSC_OK);
    csc_scope_t *c1 = csc_current_scope();
    pthread_t th;
    void *ret = NULL;
    pthread_create(&th, NULL, pop_elsewhere, &t);
    pthread_join(th, &ret);
    CHECK((intptr_t)ret < 0);
    CHECK(csc_current_scope() == c1);
    CHECK_EQ_INT(csc_pop_scope(&t), CSC_OK);
    CHECK(csc_current_scope() == cur0);
}

/* ------------------------------------------------------------ last event id per context */

static void *last_id_thread(void *p) {
    int *fails = p;
    char id1[33] = "", id2[33] = "", got[33] = "";
#define T_CHECK(c)                                                                                                     \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            (*fails)++;                                                                                                \
            fprintf(stderr, "%s:%d: [last_id_thread] CHECK(%s) failed\n", __FILE__, __LINE__, #c);                     \
        }                                                                                                              \
    } while (0)
    T_CHECK(!csc_last_event_id(got));
    T_CHECK(csc_capture_message("one", CSC_LEVEL_NONE, NULL, id1) == CSC_OK);
    T_CHECK(csc_last_event_id(got) && strcmp(got, id1) == 0);
    csc_scope_token_t t;
    T_CHECK(csc_push_isolation_scope(&t) == CSC_OK);
    T_CHECK(csc_last_event_id(got) && strcmp(got, id1) == 0); /* forks copy it */
    T_CHECK(csc_capture_message("two", CSC_LEVEL_NONE, NULL, id2) == CSC_OK);
    T_CHECK(csc_last_event_id(got) && strcmp(got, id2) == 0);
    T_CHECK(csc_pop_isolation_scope(&t) == CSC_OK);
    T_CHECK(csc_last_event_id(got) && strcmp(got, id1) == 0); /* invisible after the isolation scope ends */
    T_CHECK(csc_push_scope(&t) == CSC_OK);
    T_CHECK(csc_capture_message("three", CSC_LEVEL_NONE, NULL, id2) == CSC_OK);
    T_CHECK(csc_pop_scope(&t) == CSC_OK);
    T_CHECK(csc_last_event_id(got) && strcmp(got, id2) == 0); /* push_scope shares the isolation scope */
#undef T_CHECK
    return NULL;
}

static void test_last_event_id_per_context(void) {
    int fails = 0;
    pthread_t th;
    pthread_create(&th, NULL, last_id_thread, &fails);
    pthread_join(th, NULL);
    CHECK_EQ_INT(fails, 0);
}

static void test_capture_uses_the_tiers(void) {
    (void)csc_scope_set_tag(csc_global_scope(), "tier", "global");
    (void)csc_scope_set_tag(csc_global_scope(), "g", "1");
    (void)csc_scope_set_tag(csc_isolation_scope(), "tier", "isolation");
    (void)csc_scope_set_tag(csc_isolation_scope(), "i", "1");
    csc_scope_token_t t;
    CHECK_EQ_INT(csc_push_scope(&t), CSC_OK);
    (void)csc_scope_set_tag(csc_current_scope(), "tier", "current");
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, NULL, NULL), CSC_OK);
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(ev, "tags.tier"), "current");
    CHECK_STR(tl_str(ev, "tags.g"), "1");
    CHECK_STR(tl_str(ev, "tags.i"), "1");
    json_decref(ev);
    CHECK_EQ_INT(csc_pop_scope(&t), CSC_OK);
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, NULL, NULL), CSC_OK);
    ev = tl_last_event();
    CHECK_STR(tl_str(ev, "tags.tier"), "isolation");
    json_decref(ev);
    (void)csc_scope_clear(csc_global_scope());
    (void)csc_scope_clear(csc_isolation_scope());
    (void)csc_scope_new_trace(csc_isolation_scope());
}

/* ------------------------------------------------------------ replaceable storage */

static struct {
    csc_scope_t *slot[2];
    int gets, sets;
} store;

static csc_scope_t *store_get(csc_tier_t tier, void *ud) {
    (void)ud;
    __atomic_fetch_add(&store.gets, 1, __ATOMIC_RELAXED);
    return store.slot[tier];
}

static void store_set(csc_tier_t tier, csc_scope_t *scope, void *ud) {
    CHECK(ud == &store);
    __atomic_fetch_add(&store.sets, 1, __ATOMIC_RELAXED);
    csc_scope_t *old = store.slot[tier];
    store.slot[tier] = scope;
    csc_scope_release(old);
}

static void *current_of_thread(void *arg) {
    *(csc_scope_t **)arg = csc_current_scope();
    return NULL;
}

static void test_custom_storage(void) {
    csc_scope_t *def_cur = csc_current_scope(), *def_iso = csc_isolation_scope();
    (void)csc_scope_set_tag(def_cur, "default", "1");
    memset(&store, 0, sizeof store);
    csc_scope_storage_t st = {store_get, store_set, &store};
    CHECK_EQ_INT(csc_set_scope_storage(&st), CSC_OK);

    csc_scope_t *cur = csc_current_scope();
    CHECK(cur != NULL && cur != def_cur);
    CHECK(store.slot[CSC_TIER_CURRENT] == cur); /* created lazily, then handed to set */
    CHECK(store.sets >= 1 && store.gets >= 1);
    CHECK(!has_tag(cur, "default", NULL));
    csc_scope_t *iso = csc_isolation_scope();
    CHECK(iso != NULL && iso != def_iso && store.slot[CSC_TIER_ISOLATION] == iso);
    CHECK(csc_current_scope() == cur); /* no new scope once stored */

    /* the storage is process-wide here, so another thread sees the same scope */
    csc_scope_t *other = NULL;
    pthread_t th;
    pthread_create(&th, NULL, current_of_thread, &other);
    pthread_join(th, NULL);
    CHECK(other == cur);

    /* push/pop go through the storage */
    int sets0 = store.sets;
    csc_scope_token_t t;
    CHECK_EQ_INT(csc_push_scope(&t), CSC_OK);
    CHECK(store.sets > sets0);
    CHECK(store.slot[CSC_TIER_CURRENT] != cur && csc_current_scope() == store.slot[CSC_TIER_CURRENT]);
    CHECK_EQ_INT(csc_pop_scope(&t), CSC_OK);
    CHECK(store.slot[CSC_TIER_CURRENT] == cur);

    /* capture with NULL scopes reads the storage */
    (void)csc_scope_set_tag(iso, "from", "storage");
    tl_sink_reset();
    CHECK_EQ_INT(csc_capture_message("m", CSC_LEVEL_NONE, NULL, NULL), CSC_OK);
    json_t *ev = tl_last_event();
    CHECK_STR(tl_str(ev, "tags.from"), "storage");
    json_decref(ev);

    /* restore the pthread-local default: the old scopes come back */
    CHECK_EQ_INT(csc_set_scope_storage(NULL), CSC_OK);
    CHECK(csc_current_scope() == def_cur);
    CHECK(csc_isolation_scope() == def_iso);
    CHECK(has_tag(csc_current_scope(), "default", "1"));
    int gets = store.gets;
    (void)csc_current_scope();
    CHECK_EQ_INT(store.gets, gets); /* the custom getter is no longer used */
    csc_scope_release(store.slot[0]);
    csc_scope_release(store.slot[1]);
    store.slot[0] = store.slot[1] = NULL;
    (void)csc_scope_remove_tag(def_cur, "default");
}

/* ------------------------------------------------------------ crash reporting's side effect */

typedef struct {
    double first_get_us;
    bool alt_stack;
} first_get_t;

static double mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void *first_get_thread(void *arg) {
    first_get_t *r = arg;
    double t0 = mono_us();
    csc_scope_t *s = csc_current_scope();
    r->first_get_us = mono_us() - t0;
    stack_t ss;
    r->alt_stack = s && sigaltstack(NULL, &ss) == 0 && !(ss.ss_flags & SS_DISABLE);
    return NULL;
}

/* Mean µs of a new thread's first csc_current_scope; *all_alt: every thread had an alternate stack after it. */
static double first_get_cost(int threads, bool *all_alt) {
    double sum = 0;
    *all_alt = true;
    for (int i = 0; i < threads; i++) {
        first_get_t r = {0, false};
        pthread_t t;
        pthread_create(&t, NULL, first_get_thread, &r);
        pthread_join(t, NULL);
        sum += r.first_get_us;
        *all_alt = *all_alt && r.alt_stack;
    }
    return sum / threads;
}

static void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

/* tiers.h: with the crash handler installed, a thread's first default-storage scope also gives
 * the thread an alternate signal stack (so a stack overflow on it is reported). Shows the cost. */
static void test_first_scope_with_crash_handler(void) {
    const int threads = 50;
    bool alt = false;
    double without = first_get_cost(threads, &alt);
    char dir[] = "/tmp/csc-tiers-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    csc_options_t *o = tl_options();
    (void)csc_options_set_cache_dir(o, dir);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    CHECK(csc_crash_handler_installed());
    double with = first_get_cost(threads, &alt);
    CHECK(alt); /* every thread got (or already had) an alternate signal stack */
    printf("  first csc_current_scope on a new thread: %.1f us without the crash handler, %.1f us with it"
           " (alternate signal stack)\n",
           without, with);
    (void)csc_close();
    CHECK(!csc_crash_handler_installed());
    remove_dir(dir);
}

int main(void) {
    if (tl_start_default(100) != CSC_OK) {
        fprintf(stderr, "csc_init failed\n");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    RUN(test_global_singleton);
    RUN(test_thread_local_isolation);
    RUN(test_push_pop_scope);
    RUN(test_push_pop_isolation_scope);
    RUN(test_nested_push_pop);
    RUN(test_pop_outer_while_inner_active);
    RUN(test_pop_outer_isolation_while_scope_active);
    RUN(test_pop_wrong_kind);
    RUN(test_double_pop_and_never_pushed);
    RUN(test_pop_in_another_thread_fails);
    RUN(test_last_event_id_per_context);
    RUN(test_capture_uses_the_tiers);
    RUN(test_custom_storage);
    (void)csc_close();
    RUN(test_first_scope_with_crash_handler);
    tl_sink_reset();
    return TL_DONE();
}

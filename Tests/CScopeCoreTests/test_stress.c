/*
 * test_stress.c: many threads on shared and own scopes at once (meant to run
 * under ThreadSanitizer too). For ~2 s (CSC_STRESS_SECONDS overrides), 4
 * workers each write the global scope, a scope shared by all, and their own
 * isolation/current scopes; fork, push/pop, add breadcrumbs and capture, while
 * one more thread keeps replacing the client with csc_init.
 *
 * Asserts: every capture is delivered and parses; each event carries the
 * writing thread's latest per-thread value (no lost or torn writes); at the
 * end the shared and global scopes hold every thread's final value; forks never
 * leak into their parents.
 *
 * A second, focused case has several threads capture at the same instant with
 * fresh breadcrumbs of one shared scope (their first render is cached and shared).
 */
#include <stdatomic.h>

#include "testlib.h"

#define WORKERS 4

static csc_scope_t *shared;
static atomic_long delivered, parse_failures, mismatches, captured_ok, capture_errors, leaks;
static atomic_int stop;

/* What the transport expects in the event captured by this thread. */
static __thread const char *expect_key;
static __thread const char *expect_val;

/* Prints where an event payload stops being JSON (the first few times only). */
static void report_unparsable(csc_envelope_t *env) {
    size_t plen = 0;
    const char *payload = csc_envelope_item_payload(env, 0, &plen);
    if (!payload) {
        fprintf(stderr, "envelope without an event payload\n");
        return;
    }
    json_error_t err;
    json_t *again = json_loadb(payload, plen, 0, &err);
    const char *nul = memchr(payload, 0, plen);
    size_t tail = plen < 300 ? plen : 300;
    fprintf(stderr, "unparsable event payload (%zu bytes, NUL at %ld): %s at %d; it ends with: ...%.*s\n", plen,
            nul ? (long)(nul - payload) : -1L, again ? "(parses now)" : err.text, again ? -1 : err.position, (int)tail,
            payload + plen - tail);
    json_decref(again);
}

static void checking_transport(csc_envelope_t *env, void *ud) {
    (void)ud;
    size_t len = 0;
    const char *bytes = csc_envelope_serialize(env, &len);
    json_t *ev = csc_envelope_get_event(env);
    if (!bytes || !ev || !json_is_object(ev) || !tl_is_hex(json_string_value(json_object_get(ev, "event_id")), 32)) {
        if (atomic_fetch_add(&parse_failures, 1) < 3) report_unparsable(env);
    } else if (expect_key) {
        const char *got = json_string_value(json_object_get(json_object_get(ev, "tags"), expect_key));
        if (!got || strcmp(got, expect_val) != 0) {
            if (atomic_fetch_add(&mismatches, 1) < 5)
                fprintf(stderr, "event tag %s = %s, want %s\n", expect_key, got ? got : "(none)", expect_val);
        }
    }
    json_decref(ev);
    atomic_fetch_add(&delivered, 1);
    csc_envelope_free(env);
}

static csc_options_t *options(void) {
    csc_options_t *o = csc_options_new();
    (void)csc_options_set_transport(o, checking_transport, NULL);
    (void)csc_options_set_max_breadcrumbs(o, 30);
    return o;
}

static const char *tag_in(csc_scope_t *s, const char *key, char *buf, size_t n) {
    json_t *j = csc_scope_to_json(s);
    const char *v = json_string_value(json_object_get(json_object_get(j, "tags"), key));
    snprintf(buf, n, "%s", v ? v : "(none)");
    json_decref(j);
    return buf;
}

typedef struct {
    int id;
    long iterations;
    char last[32];
    int own_ok;
} worker_t;

static void capture(csc_scopes_t *sc, const char *key, const char *val) {
    expect_key = key;
    expect_val = val;
    int rc = csc_capture_message("stress", CSC_LEVEL_NONE, sc, NULL);
    expect_key = expect_val = NULL;
    if (rc == CSC_OK)
        atomic_fetch_add(&captured_ok, 1);
    else
        atomic_fetch_add(&capture_errors, 1);
}

static void *worker(void *p) {
    worker_t *w = p;
    char tkey[16], skey[16], gkey[16], val[32], buf[64];
    snprintf(tkey, sizeof tkey, "t%d", w->id);
    snprintf(skey, sizeof skey, "s%d", w->id);
    snprintf(gkey, sizeof gkey, "g%d", w->id);
    long n = 0;
    while (!atomic_load(&stop)) {
        n++;
        snprintf(val, sizeof val, "%d-%ld", w->id, n);
        (void)csc_scope_set_tag(csc_isolation_scope(), tkey, val);
        (void)csc_scope_set_tag(shared, skey, val);
        (void)csc_scope_set_tag(csc_global_scope(), gkey, val);
        csc_breadcrumb_t b = {.message = val, .category = tkey, .level = CSC_LEVEL_INFO};
        (void)csc_scope_add_breadcrumb(csc_current_scope(), &b);
        if (n % 2 == 0)
            (void)csc_scope_add_breadcrumb(csc_global_scope(), &b); /* shared crumbs, rendered by many threads */
        if (n % 32 == 0) (void)csc_scope_set_extra(shared, "json", json_pack("{s:s,s:i}", "by", tkey, "n", (int)n));

        /* push_scope: the isolation scope (and our tag) is shared with the pushed current */
        csc_scope_token_t tok;
        if (csc_push_scope(&tok) != CSC_OK) atomic_fetch_add(&capture_errors, 1);
        (void)csc_scope_set_tag(csc_current_scope(), "inner", val);
        if (n % 2 == 0) capture(NULL, tkey, val);
        if (csc_pop_scope(&tok) != CSC_OK) atomic_fetch_add(&capture_errors, 1);

        /* push_isolation_scope: a fork of our isolation, written inside */
        if (n % 8 == 0) {
            if (csc_push_isolation_scope(&tok) != CSC_OK) atomic_fetch_add(&capture_errors, 1);
            (void)csc_scope_set_tag(csc_isolation_scope(), "iso_inner", val);
            capture(NULL, "iso_inner", val);
            if (csc_pop_isolation_scope(&tok) != CSC_OK) atomic_fetch_add(&capture_errors, 1);
        }

        /* explicit scopes: the shared scope as the per-call extra scope */
        if (n % 4 == 1) {
            csc_scopes_t sc = {csc_global_scope(), csc_isolation_scope(), csc_current_scope(), shared};
            capture(&sc, skey, val);
        }

        /* forks of shared and global scopes: writes stay in the fork */
        if (n % 16 == 0) {
            csc_scope_t *f = csc_scope_fork(shared), *fg = csc_scope_fork(csc_global_scope());
            (void)csc_scope_set_tag(f, skey, "fork");
            (void)csc_scope_set_tag(fg, gkey, "fork");
            (void)csc_scope_remove_tag(f, "json");
            if (strcmp(tag_in(shared, skey, buf, sizeof buf), val) != 0) atomic_fetch_add(&leaks, 1);
            if (strcmp(tag_in(csc_global_scope(), gkey, buf, sizeof buf), val) != 0) atomic_fetch_add(&leaks, 1);
            if (strcmp(tag_in(f, skey, buf, sizeof buf), "fork") != 0) atomic_fetch_add(&leaks, 1);
            csc_scope_release(f);
            csc_scope_release(fg);
        }
    }
    w->iterations = n;
    snprintf(w->last, sizeof w->last, "%d-%ld", w->id, n);
    w->own_ok = strcmp(tag_in(csc_isolation_scope(), tkey, buf, sizeof buf), w->last) == 0;
    return NULL;
}

static void *reinit(void *p) {
    long *count = p;
    while (!atomic_load(&stop)) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (csc_init(options()) == CSC_OK) (*count)++;
    }
    return NULL;
}

static void test_stress(void) {
    double seconds = 2.0;
    if (getenv("CSC_STRESS_SECONDS")) seconds = atof(getenv("CSC_STRESS_SECONDS"));
    CHECK_EQ_INT(csc_init(options()), CSC_OK);
    shared = csc_scope_new();
    worker_t w[WORKERS];
    pthread_t th[WORKERS], rt;
    long reinits = 0;
    for (int i = 0; i < WORKERS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].id = i;
        pthread_create(&th[i], NULL, worker, &w[i]);
    }
    pthread_create(&rt, NULL, reinit, &reinits);
    struct timespec ts = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(&stop, 1);
    for (int i = 0; i < WORKERS; i++) pthread_join(th[i], NULL);
    pthread_join(rt, NULL);

    long total_iter = 0;
    char buf[64], key[16];
    for (int i = 0; i < WORKERS; i++) {
        total_iter += w[i].iterations;
        CHECK(w[i].iterations > 10);
        CHECK(w[i].own_ok);
        snprintf(key, sizeof key, "s%d", i);
        CHECK_STR(tag_in(shared, key, buf, sizeof buf), w[i].last);
        snprintf(key, sizeof key, "g%d", i);
        CHECK_STR(tag_in(csc_global_scope(), key, buf, sizeof buf), w[i].last);
    }
    fprintf(stderr, "  %ld iterations, %ld captures, %ld delivered, %ld re-inits\n", total_iter,
            atomic_load(&captured_ok), atomic_load(&delivered), reinits);
    CHECK(reinits > 0);
    CHECK(atomic_load(&captured_ok) > 0);
    CHECK_EQ_INT(atomic_load(&capture_errors), 0);
    CHECK_EQ_INT(atomic_load(&delivered), atomic_load(&captured_ok));
    CHECK_EQ_INT(atomic_load(&parse_failures), 0);
    CHECK_EQ_INT(atomic_load(&mismatches), 0);
    CHECK_EQ_INT(atomic_load(&leaks), 0);
    json_t *j = csc_scope_to_json(csc_global_scope());
    json_t *crumbs = tl_crumbs(j);
    CHECK(crumbs != NULL && json_array_size(crumbs) <= 30); /* the shared ring kept its bound */
    json_decref(j);
    csc_scope_release(shared);
    (void)csc_scope_clear(csc_global_scope());
}

/* Focused: fresh breadcrumbs of one shared scope are rendered by several capturing threads at
 * the same moment (the first render of a crumb is cached and shared). */
#define RACERS 4
#define ROUNDS 1500
static pthread_barrier_t go, done;
static csc_scope_t *crumb_scope;

static void *render_racer(void *p) {
    (void)p;
    csc_scopes_t sc = {.global = crumb_scope};
    for (int r = 0; r < ROUNDS; r++) {
        pthread_barrier_wait(&go);
        capture(&sc, NULL, NULL);
        pthread_barrier_wait(&done);
    }
    return NULL;
}

static void test_shared_breadcrumb_render(void) {
    CHECK_EQ_INT(csc_init(options()), CSC_OK);
    atomic_store(&delivered, 0);
    atomic_store(&captured_ok, 0);
    atomic_store(&parse_failures, 0);
    atomic_store(&capture_errors, 0);
    crumb_scope = csc_scope_new();
    pthread_barrier_init(&go, NULL, RACERS + 1);
    pthread_barrier_init(&done, NULL, RACERS + 1);
    pthread_t th[RACERS];
    for (int i = 0; i < RACERS; i++) pthread_create(&th[i], NULL, render_racer, NULL);
    char m[32];
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k < 20; k++) { /* fresh crumbs: each is rendered first by racing threads */
            snprintf(m, sizeof m, "round %d crumb %d", r, k);
            csc_breadcrumb_t b = {.message = m, .level = CSC_LEVEL_INFO};
            (void)csc_scope_add_breadcrumb(crumb_scope, &b);
        }
        pthread_barrier_wait(&go);
        pthread_barrier_wait(&done);
    }
    for (int i = 0; i < RACERS; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&go);
    pthread_barrier_destroy(&done);
    CHECK_EQ_INT(atomic_load(&captured_ok), RACERS * ROUNDS);
    CHECK_EQ_INT(atomic_load(&delivered), RACERS * ROUNDS);
    CHECK_EQ_INT(atomic_load(&parse_failures), 0);
    CHECK_EQ_INT(atomic_load(&capture_errors), 0);
    csc_scope_release(crumb_scope);
}

/* Focused: one parent's values (transaction name, user) are shared by reference with every
 * fork. Threads that each own a sibling fork keep forking and releasing it, so the shared
 * reference counts move from several threads at once (the Swift suite's clang TSan flagged jansson's plain sentinel
 * load here; support/json_refcount.h makes it atomic). */
#define FORKERS     4
#define FORKS       2000
#define FORK_ROUNDS 10
static csc_scope_t *fork_parent;

static void *forker(void *p) {
    (void)p;
    csc_scope_t *mine = csc_scope_fork(fork_parent);
    csc_scope_t **held = calloc(FORKS, sizeof *held);
    long ok = 0;
    for (int round = 0; round < FORK_ROUNDS; round++) {
        /* retains only (jansson's increment is an acquire, no release), then releases only */
        for (int r = 0; r < FORKS; r++) ok += (held[r] = csc_scope_fork(mine)) != NULL;
        for (int r = 0; r < FORKS; r++) csc_scope_release(held[r]);
    }
    free(held);
    csc_scope_release(mine);
    return (void *)ok;
}

static void test_sibling_forks_share_values(void) {
    fork_parent = csc_scope_new();
    CHECK_EQ_INT(csc_scope_set_transaction(fork_parent, "GET /shared", "route"), CSC_OK);
    json_t *user = json_pack("{s:s}", "id", "42");
    CHECK_EQ_INT(csc_scope_set_user(fork_parent, user), CSC_OK); /* steals user */
    pthread_t th[FORKERS];
    for (int i = 0; i < FORKERS; i++) pthread_create(&th[i], NULL, forker, NULL);
    long total = 0;
    for (int i = 0; i < FORKERS; i++) {
        void *ok;
        pthread_join(th[i], &ok);
        total += (long)ok;
    }
    CHECK_EQ_INT(total, (long)FORKERS * FORKS * FORK_ROUNDS);
    /* The parent's values survived every sibling's releases. */
    json_t *j = csc_scope_to_json(fork_parent);
    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "transaction")), "GET /shared");
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "user"), "id")), "42");
    json_decref(j);
    csc_scope_release(fork_parent);
}

int main(void) {
    RUN(test_stress);
    RUN(test_shared_breadcrumb_render);
    RUN(test_sibling_forks_share_values);
    (void)csc_close();
    return TL_DONE();
}

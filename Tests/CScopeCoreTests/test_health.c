/* Release health and cron check-ins (cscope/health.h): request-mode aggregates against
 * sentry-python's (Tests/Scenarios/sessions-expected.json), application sessions and the
 * previous run's session, check-ins and their validation.
 * `test_health --dump DIR` also writes every session, sessions and check_in payload it
 * produced to DIR (health_schema.py checks them against the protocol). */
#include <math.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "health/health_internal.h" /* csc__health_aggregate: minutes the clock cannot give a test */
#include "testlib.h"

static const char *g_dump;
static int g_dumped;

/* The payloads of items of `type` in the sink (new references, in order), appended to `out`. */
static json_t *items_of(const char *type) {
    json_t *out = json_array();
    pthread_mutex_lock(&tl_sink.mu);
    for (int i = 0; i < tl_sink.count; i++)
        for (size_t k = 0; k < csc_envelope_item_count(tl_sink.env[i]); k++) {
            if (strcmp(csc_envelope_item_type(tl_sink.env[i], k), type) != 0) continue;
            size_t len = 0;
            const char *p = csc_envelope_item_payload(tl_sink.env[i], k, &len);
            json_t *j = json_loadb(p, len, 0, NULL);
            if (j) json_array_append_new(out, j);
            if (g_dump) {
                char path[4096];
                snprintf(path, sizeof path, "%s/%03d-%s.json", g_dump, ++g_dumped, type);
                FILE *f = fopen(path, "wb");
                if (f) {
                    fwrite(p, 1, len, f);
                    fclose(f);
                }
            }
        }
    pthread_mutex_unlock(&tl_sink.mu);
    return out;
}

static json_t *load(const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/Tests/Scenarios/%s", CSC_SOURCE_DIR, name);
    json_t *j = json_load_file(path, 0, NULL);
    if (!j) fprintf(stderr, "cannot read %s\n", path);
    return j;
}

static void capture_error(bool handled) {
    csc_exception_t e = {.type = "ValueError", .value = "boom", .mechanism_type = "test", .handled = handled ? 1 : 0};
    csc_capture_exception(&e, NULL, NULL);
}

static void run_request(const char *outcome) {
    csc_scope_token_t t;
    csc_push_isolation_scope(&t);
    csc_scope_t *iso = csc_isolation_scope();
    CHECK_EQ_INT(csc_start_request_session(iso), CSC_OK);
    if (!strcmp(outcome, "handled_error"))
        capture_error(true);
    else if (!strcmp(outcome, "unhandled_error"))
        capture_error(false);
    else if (!strcmp(outcome, "error_message"))
        csc_capture_message("boom", CSC_LEVEL_ERROR, NULL, NULL);
    else if (!strcmp(outcome, "two_handled")) {
        capture_error(true);
        capture_error(true);
    } else if (!strcmp(outcome, "handled_then_unhandled")) {
        capture_error(true);
        capture_error(false);
    } else
        CHECK(!strcmp(outcome, "ok") || !strcmp(outcome, "http_500"));
    CHECK_EQ_INT(csc_end_request_session(iso, CSC_SESSION_EXITED), CSC_OK);
    csc_pop_isolation_scope(&t);
}

/* The differential test: the same requests as sentry-python, the same aggregates. */
static void test_request_mode_matches_python(void) {
    json_t *scenario = load("sessions-scenario.json"), *expected = load("sessions-expected.json");
    CHECK(scenario && expected);
    if (!scenario || !expected) {
        json_decref(scenario);
        json_decref(expected);
        return;
    }
    csc_options_t *o = tl_options();
    csc_options_set_release(o, json_string_value(json_object_get(scenario, "release")));
    csc_options_set_environment(o, json_string_value(json_object_get(scenario, "environment")));
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(scenario, "requests"), i, r) run_request(json_string_value(r));
    CHECK_EQ_INT(csc_flush(1000), CSC_OK);
    json_t *items = items_of("sessions");
    json_t *counts = json_object();
    json_t *it, *agg;
    size_t k, m;
    json_array_foreach(items, k, it) {
        CHECK_STR(tl_str(it, "attrs.release"), json_string_value(json_object_get(scenario, "release")));
        CHECK_STR(tl_str(it, "attrs.environment"), json_string_value(json_object_get(scenario, "environment")));
        json_array_foreach(json_object_get(it, "aggregates"), m, agg) {
            const char *key;
            json_t *v;
            const char *started = json_string_value(json_object_get(agg, "started"));
            CHECK(started && strstr(started, ":00.000000Z")); /* truncated to the minute */
            json_object_foreach(agg, key, v) {
                if (!strcmp(key, "started")) continue;
                json_int_t before = json_integer_value(json_object_get(counts, key));
                json_object_set_new(counts, key, json_integer(before + json_integer_value(v)));
            }
        }
    }
    json_t *want = tl_path(json_array_get(json_object_get(expected, "sessions"), 0), "counts");
    CHECK_EQ_INT(json_array_size(json_object_get(expected, "sessions")), 1);
    CHECK(json_equal(counts, want));
    if (!json_equal(counts, want)) {
        char *a = json_dumps(counts, JSON_SORT_KEYS), *b = json_dumps(want, JSON_SORT_KEYS);
        fprintf(stderr, "ours %s, sentry-python %s\n", a, b);
        free(a);
        free(b);
    }
    json_decref(counts);
    json_decref(items);
    /* nothing pending after a flush: close sends no empty item */
    tl_sink_reset();
    csc_close();
    CHECK_EQ_INT(tl_sink.total, 0);
    json_decref(scenario);
    json_decref(expected);
}

static void test_close_flushes_and_no_release(void) {
    CHECK_EQ_INT(tl_start(tl_options()), CSC_OK);
    run_request("ok");
    run_request("unhandled_error");
    csc_close();
    json_t *items = items_of("sessions");
    CHECK_EQ_INT(json_array_size(items), 1);
    CHECK_EQ_INT(json_integer_value(
                     tl_path(json_array_get(json_object_get(json_array_get(items, 0), "aggregates"), 0), "exited")),
                 1);
    json_decref(items);

    csc_options_t *o = tl_options();
    csc_options_set_release(o, NULL);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    csc_scope_t *iso = csc_isolation_scope();
    CHECK_EQ_INT(csc_start_request_session(iso), CSC_ERR_DISABLED); /* no release, no sessions */
    CHECK_EQ_INT(csc_start_session(), CSC_ERR_DISABLED);
    csc_close();

    o = tl_options();
    csc_options_set_auto_session_tracking(o, false);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    CHECK_EQ_INT(csc_start_request_session(iso), CSC_ERR_DISABLED);
    csc_close();
    CHECK_EQ_INT(csc_start_request_session(iso), CSC_ERR_DISABLED); /* SDK off */
}

static void test_request_bad_input(void) {
    CHECK_EQ_INT(tl_start(tl_options()), CSC_OK);
    CHECK_EQ_INT(csc_start_request_session(NULL), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_end_request_session(NULL, CSC_SESSION_EXITED), CSC_ERR_NULL);
    csc_scope_t *s = csc_scope_new();
    CHECK_EQ_INT(csc_end_request_session(s, CSC_SESSION_EXITED), CSC_ERR_INVALID); /* none running */
    CHECK_EQ_INT(csc_start_request_session(s), CSC_OK);
    CHECK_EQ_INT(csc_end_request_session(s, (csc_session_end_t)42), CSC_ERR_INVALID);
    /* a fork shares the session: ending it on the fork ends it once */
    csc_scope_t *f = csc_scope_fork(s);
    CHECK_EQ_INT(csc_end_request_session(f, CSC_SESSION_ABNORMAL), CSC_OK);
    CHECK_EQ_INT(csc_end_request_session(s, CSC_SESSION_EXITED), CSC_ERR_INVALID);
    /* a session left on a released scope is freed with it, never counted */
    CHECK_EQ_INT(csc_start_request_session(s), CSC_OK);
    csc_scope_release(f);
    csc_scope_release(s);
    CHECK_EQ_INT(csc_end_session(CSC_SESSION_EXITED), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_options_set_session_mode(NULL, CSC_SESSION_MODE_REQUEST), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_options_set_auto_session_tracking(NULL, true), CSC_ERR_NULL);
    csc_close();
    json_t *items = items_of("sessions");
    CHECK_EQ_INT(json_array_size(items), 1);
    CHECK_EQ_INT(json_integer_value(
                     tl_path(json_array_get(json_object_get(json_array_get(items, 0), "aggregates"), 0), "abnormal")),
                 1);
    json_decref(items);
}

static void *requests_thread(void *arg) {
    for (int i = 0; i < 1000; i++) run_request("ok"); /* (error events would fill the sink's 64 slots) */
    return arg;
}

/* Requests on several threads (their spare session objects freed at thread exit), counted once each. */
static void test_requests_on_threads(void) {
    CHECK_EQ_INT(tl_start(tl_options()), CSC_OK);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, requests_thread, NULL);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    csc_close();
    json_t *items = items_of("sessions"), *it, *agg;
    json_int_t exited = 0, errored = 0;
    size_t k, m;
    json_array_foreach(items, k, it) json_array_foreach(json_object_get(it, "aggregates"), m, agg) {
        exited += json_integer_value(json_object_get(agg, "exited"));
        errored += json_integer_value(json_object_get(agg, "errored"));
    }
    CHECK_EQ_INT(exited, 4000);
    CHECK_EQ_INT(errored, 0);
    json_decref(items);
}

/* ------------------------------------------------------------ application mode */

static char g_cache[256];

static csc_options_t *cache_options(void) {
    csc_options_t *o = tl_options();
    csc_options_set_cache_dir(o, g_cache);
    csc_options_set_crash_handler(o, false);
    return o;
}

static csc_options_t *app_options(void) {
    csc_options_t *o = cache_options();
    csc_options_set_session_mode(o, CSC_SESSION_MODE_APPLICATION);
    return o;
}

static void test_application_session(void) {
    CHECK_EQ_INT(tl_start(app_options()), CSC_OK);
    CHECK_EQ_INT(csc_start_session(), CSC_ERR_INVALID); /* already running */
    capture_error(true);
    csc_close();
    json_t *items = items_of("session");
    CHECK_EQ_INT(json_array_size(items), 1);
    json_t *s = json_array_get(items, 0);
    CHECK_STR(tl_str(s, "status"), "exited"); /* with errors: 1, as sentry-python */
    CHECK_EQ_INT(json_integer_value(json_object_get(s, "errors")), 1);
    CHECK(json_is_true(json_object_get(s, "init")));
    CHECK(json_is_real(json_object_get(s, "duration")));
    CHECK_STR(tl_str(s, "attrs.release"), "test@1.0.0");
    CHECK(strlen(tl_str(s, "sid") ? tl_str(s, "sid") : "") == 36);
    json_decref(items);
    /* the clean end removed the file: the next start sends nothing for this run */
    CHECK_EQ_INT(tl_start(cache_options()), CSC_OK);
    csc_close();
    CHECK_EQ_INT(tl_sink.total, 0);

    /* explicit start and end, with the request-mode default */
    CHECK_EQ_INT(tl_start(tl_options()), CSC_OK);
    CHECK_EQ_INT(csc_start_session(), CSC_OK);
    capture_error(false);
    CHECK_EQ_INT(csc_end_session(CSC_SESSION_EXITED), CSC_OK);
    CHECK_EQ_INT(csc_end_session(CSC_SESSION_EXITED), CSC_ERR_INVALID);
    csc_close();
    items = items_of("session");
    CHECK_EQ_INT(json_array_size(items), 1);
    CHECK_STR(tl_str(json_array_get(items, 0), "status"), "crashed");
    json_decref(items);
}

/* A run that dies without ending its session: the next start reports it once, abnormal, or
 * crashed when the crash handler left its marker. */
static void previous_run(bool crashed, bool errored, const char *want) {
    pid_t pid = fork();
    if (pid == 0) {
        csc_init(app_options());
        if (errored) capture_error(true);
        _exit(0); /* no csc_close */
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st));
    if (crashed) {
        char marker[512];
        snprintf(marker, sizeof marker, "%s/cscope-crash.marker", g_cache);
        FILE *f = fopen(marker, "w"); /* what the crash handler writes (crash_handler.c) */
        if (f) fclose(f);
    }
    CHECK_EQ_INT(tl_start(cache_options()), CSC_OK);
    json_t *items = items_of("session");
    CHECK_EQ_INT(json_array_size(items), 1);
    CHECK_STR(tl_str(json_array_get(items, 0), "status"), want);
    CHECK_EQ_INT(json_integer_value(tl_path(json_array_get(items, 0), "errors")), errored ? 1 : 0);
    json_decref(items);
    csc_close();
    CHECK_EQ_INT(tl_start(cache_options()), CSC_OK); /* never twice */
    items = items_of("session");
    CHECK_EQ_INT(json_array_size(items), 0);
    json_decref(items);
    csc_close();
}

static void test_previous_run_abnormal(void) { previous_run(false, true, "abnormal"); }
static void test_previous_run_crashed(void) { previous_run(true, false, "crashed"); }

/* ------------------------------------------------------------ check-ins */

static bool g_before_send_called;
static bool before_send(json_t *ev, void *ud) {
    g_before_send_called = true;
    return true;
}

static void test_check_in(void) {
    csc_options_t *o = tl_options();
    csc_options_set_before_send(o, before_send, NULL);
    CHECK_EQ_INT(tl_start(o), CSC_OK);
    g_before_send_called = false;
    csc_monitor_config_t cfg = {.schedule_type = CSC_SCHEDULE_CRONTAB,
                                .crontab = "*/5 1-3 * jan,mar mon-fri",
                                .checkin_margin = 2,
                                .max_runtime = 30,
                                .timezone = "Europe/Vienna",
                                .failure_issue_threshold = 3,
                                .recovery_threshold = 2};
    char id[33] = "";
    CHECK_EQ_INT(csc_capture_check_in("Nightly Backup", CSC_CHECK_IN_IN_PROGRESS, CSC_NO_DURATION, &cfg, id), CSC_OK);
    CHECK(tl_is_hex(id, 32));
    char again[33];
    memcpy(again, id, 33);
    CHECK_EQ_INT(csc_capture_check_in("nightly-backup", CSC_CHECK_IN_OK, 12.5, NULL, again), CSC_OK);
    CHECK_STR(again, id);
    csc_monitor_config_t every = {
        .schedule_type = CSC_SCHEDULE_INTERVAL, .interval_value = 10, .interval_unit = CSC_INTERVAL_MINUTE};
    CHECK_EQ_INT(csc_capture_check_in("job_2", CSC_CHECK_IN_ERROR, 0, &every, NULL), CSC_OK);
    CHECK(!g_before_send_called);
    json_t *items = items_of("check_in");
    CHECK_EQ_INT(json_array_size(items), 3);
    json_t *a = json_array_get(items, 0), *b = json_array_get(items, 1), *c = json_array_get(items, 2);
    CHECK_STR(tl_str(a, "monitor_slug"), "nightly-backup");
    CHECK_STR(tl_str(a, "status"), "in_progress");
    CHECK(!json_object_get(a, "duration"));
    CHECK_STR(tl_str(a, "monitor_config.schedule.type"), "crontab");
    CHECK_STR(tl_str(a, "monitor_config.schedule.value"), "*/5 1-3 * jan,mar mon-fri");
    CHECK_EQ_INT(json_integer_value(tl_path(a, "monitor_config.checkin_margin")), 2);
    CHECK_EQ_INT(json_integer_value(tl_path(a, "monitor_config.recovery_threshold")), 2);
    CHECK_STR(tl_str(a, "monitor_config.timezone"), "Europe/Vienna");
    CHECK_STR(tl_str(a, "release"), "test@1.0.0");
    CHECK_STR(tl_str(a, "environment"), "testing");
    CHECK(tl_is_hex(tl_str(a, "contexts.trace.trace_id"), 32));
    CHECK(tl_is_hex(tl_str(a, "contexts.trace.span_id"), 16));
    CHECK_STR(tl_str(b, "check_in_id"), id);
    CHECK_STR(tl_str(b, "status"), "ok");
    CHECK(fabs(json_real_value(json_object_get(b, "duration")) - 12.5) < 1e-9);
    CHECK_STR(tl_str(c, "monitor_config.schedule.unit"), "minute");
    CHECK_EQ_INT(json_integer_value(tl_path(c, "monitor_config.schedule.value")), 10);
    json_decref(items);
    csc_close();
}

static void test_check_in_bad_input(void) {
    char big[10 * 1024 + 1];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char id[33] = "";
    CHECK_EQ_INT(csc_capture_check_in("job", CSC_CHECK_IN_OK, CSC_NO_DURATION, NULL, id), CSC_ERR_DISABLED);
    CHECK_EQ_INT(tl_start(tl_options()), CSC_OK);
    CHECK_EQ_INT(csc_capture_check_in(NULL, CSC_CHECK_IN_OK, 1, NULL, id), CSC_ERR_NULL);
    CHECK_EQ_INT(csc_capture_check_in("", CSC_CHECK_IN_OK, 1, NULL, id), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_capture_check_in("   ", CSC_CHECK_IN_OK, 1, NULL, id), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_capture_check_in(big, CSC_CHECK_IN_OK, 1, NULL, id), CSC_ERR_INVALID);
    big[51] = 0;
    CHECK_EQ_INT(csc_capture_check_in(big, CSC_CHECK_IN_OK, 1, NULL, id), CSC_ERR_INVALID); /* 51 > 50 */
    big[50] = 0;
    CHECK_EQ_INT(csc_capture_check_in(big, CSC_CHECK_IN_OK, 1, NULL, id), CSC_OK);
    id[0] = 0;
    CHECK_EQ_INT(csc_capture_check_in("job", CSC_CHECK_IN_OK, -1, NULL, id), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_capture_check_in("job", CSC_CHECK_IN_OK, INFINITY, NULL, id), CSC_ERR_INVALID);
    CHECK_EQ_INT(csc_capture_check_in("job", (csc_check_in_status_t)7, 1, NULL, id), CSC_ERR_INVALID);
    char bad_id[33] = "not-an-id";
    CHECK_EQ_INT(csc_capture_check_in("job", CSC_CHECK_IN_OK, 1, NULL, bad_id), CSC_ERR_INVALID);
    const char *bad_crontabs[] = {"",           "* * * *",    "* * * * * *",  "60 * * * *",  "* 24 * * *", "* * 0 * *",
                                  "* * * 13 *", "* * * * 8",  "*/0 * * * *",  "5-1 * * * *", "every day",  "@sometimes",
                                  "a * * * *",  ",* * * * *", "1,,2 * * * *", "* * * foo *"};
    for (size_t i = 0; i < sizeof bad_crontabs / sizeof *bad_crontabs; i++) {
        csc_monitor_config_t cfg = {.schedule_type = CSC_SCHEDULE_CRONTAB, .crontab = bad_crontabs[i]};
        CHECK_EQ_INT(csc_capture_check_in("job", CSC_CHECK_IN_OK, 1, &cfg, id), CSC_ERR_INVALID);
        CHECK(!csc_crontab_valid(bad_crontabs[i]));
    }
    const char *good[] = {"0 0 * * *",          "@daily",      "  @hourly ", "*/15 9-17 * * 1-5",
                          "0 12 1 jan,JUL sun", "0,30 * * * 7"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) CHECK(csc_crontab_valid(good[i]));
    CHECK(!csc_crontab_valid(NULL));
    csc_monitor_config_t cfg = {.schedule_type = CSC_SCHEDULE_CRONTAB, .crontab = NULL};
    CHECK_EQ_INT(csc_capture_check_in("job", CSC_CHECK_IN_OK, 1, &cfg, id), CSC_ERR_INVALID);
    cfg = (csc_monitor_config_t){.schedule_type = CSC_SCHEDULE_INTERVAL, .interval_value = 0};
    CHECK_EQ_INT(csc_capture_check_in("job", CSC_CHECK_IN_OK, 1, &cfg, id), CSC_ERR_INVALID);
    cfg = (csc_monitor_config_t){
        .schedule_type = CSC_SCHEDULE_INTERVAL, .interval_value = 1, .interval_unit = (csc_interval_unit_t)9};
    CHECK_EQ_INT(csc_capture_check_in("job", CSC_CHECK_IN_OK, 1, &cfg, id), CSC_ERR_INVALID);
    cfg = (csc_monitor_config_t){
        .schedule_type = CSC_SCHEDULE_INTERVAL, .interval_value = 1, .timezone = "Europe/Vienna; drop"};
    CHECK_EQ_INT(csc_capture_check_in("job", CSC_CHECK_IN_OK, 1, &cfg, id), CSC_ERR_INVALID);
    cfg = (csc_monitor_config_t){.schedule_type = (csc_schedule_type_t)5};
    CHECK_EQ_INT(csc_capture_check_in("job", CSC_CHECK_IN_OK, 1, &cfg, id), CSC_ERR_INVALID);
    json_t *items = items_of("check_in");
    CHECK_EQ_INT(json_array_size(items), 1); /* only the 50-character slug */
    json_decref(items);
    csc_close();
}

/* 250 minutes of requests go out as 3 envelopes of at most 100 aggregates, oldest first. */
static void test_aggregates_split_by_100(void) {
    CHECK_EQ_INT(tl_start(tl_options()), CSC_OK);
    const int64_t first_minute = 29000000; /* 2025-02-19 21:20 UTC */
    for (int m = 249; m >= 0; m--) csc__health_aggregate((first_minute + m) * 60000000 + 1500000, "exited");
    csc__health_aggregate(first_minute * 60000000, "errored"); /* same minute as the first */
    csc_close();
    json_t *items = items_of("sessions");
    CHECK_EQ_INT(json_array_size(items), 3);
    size_t sizes[3] = {100, 100, 50}, seen = 0;
    char prev[40] = "";
    for (size_t k = 0; k < json_array_size(items) && k < 3; k++) {
        json_t *aggs = json_object_get(json_array_get(items, k), "aggregates");
        CHECK_EQ_INT(json_array_size(aggs), sizes[k]);
        json_t *a;
        size_t i;
        json_array_foreach(aggs, i, a) {
            const char *started = json_string_value(json_object_get(a, "started"));
            CHECK(started && strcmp(prev, started) < 0); /* one aggregate per minute, in order */
            if (started) snprintf(prev, sizeof prev, "%s", started);
            CHECK_EQ_INT(json_integer_value(json_object_get(a, "exited")), 1);
            seen++;
        }
    }
    CHECK_EQ_INT(seen, 250);
    json_t *oldest = json_array_get(json_object_get(json_array_get(items, 0), "aggregates"), 0);
    CHECK_STR(json_string_value(json_object_get(oldest, "started")), "2025-02-19T21:20:00.000000Z");
    CHECK_EQ_INT(json_integer_value(json_object_get(oldest, "errored")), 1);
    json_decref(items);
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--dump")) g_dump = argv[2];
    snprintf(g_cache, sizeof g_cache, "/tmp/csc-health-%d", (int)getpid());
    mkdir(g_cache, 0700);
    RUN(test_request_mode_matches_python);
    RUN(test_close_flushes_and_no_release);
    RUN(test_aggregates_split_by_100);
    RUN(test_request_bad_input);
    RUN(test_requests_on_threads);
    RUN(test_application_session);
    RUN(test_previous_run_abnormal);
    RUN(test_previous_run_crashed);
    RUN(test_check_in);
    RUN(test_check_in_bad_input);
    tl_sink_reset();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_cache);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_cache);
    return TL_DONE();
}

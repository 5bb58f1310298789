/* Crash reports of a previous run reach a CUSTOM transport (csc_options_set_transport), which
 * never reads the disk cache: csc_init promotes "*-crash.pending" to "*-crash.envelope" and, once
 * the client is live, hands each crash report to the transport (oldest first) and removes it.
 * Ordinary cached envelopes stay for the HTTP transport; unreadable crash reports are dropped;
 * a disabled client (no DSN, no transport) hands nothing over; each report is handed over once.
 * No crash needed: the reports are written here as the handler writes them. Runs under ASan/TSan. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cscope.h>
#include <cscope/crash.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

#define MAX_GOT 8
static char g_got[MAX_GOT][33];
static char g_levels[MAX_GOT][16];
static int g_count;

static void transport(csc_envelope_t *env, void *ud) {
    (void)ud;
    if (g_count < MAX_GOT) {
        snprintf(g_got[g_count], sizeof g_got[0], "%s", csc_envelope_event_id(env));
        json_t *ev = csc_envelope_get_event(env);
        const char *level = json_string_value(json_object_get(ev, "level"));
        snprintf(g_levels[g_count], sizeof g_levels[0], "%s", level ? level : "");
        json_decref(ev);
    }
    g_count++;
    csc_envelope_free(env);
}

static void write_file(const char *dir, const char *name, const char *data) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "open %s", path);
    if (!f) return;
    fputs(data, f);
    fclose(f);
}

/* A crash report as the handler writes it (envelope: header, item header with length, event). */
static void write_report(const char *dir, const char *name, const char *event_id) {
    char event[256], env[512];
    snprintf(event, sizeof event,
             "{\"event_id\":\"%s\",\"level\":\"fatal\",\"platform\":\"native\",\"exception\":{\"values\":[{\"type\":"
             "\"SIGSEGV\"}]}}",
             event_id);
    snprintf(env, sizeof env, "{\"event_id\":\"%s\"}\n{\"type\":\"event\",\"length\":%zu}\n%s\n", event_id,
             strlen(event), event);
    write_file(dir, name, env);
}

static bool exists(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static int count_suffix(const char *dir, const char *suffix) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    size_t k = strlen(suffix);
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > k && !strcmp(de->d_name + l - k, suffix)) n++;
    }
    if (d) closedir(d);
    return n;
}

static int start(const char *dir, bool with_transport) {
    csc_options_t *o = csc_options_new();
    if (with_transport) {
        csc_options_set_dsn(o, "http://k@127.0.0.1:9/1");
        csc_options_set_transport(o, transport, NULL);
    }
    csc_options_set_cache_dir(o, dir);
    csc_options_set_crash_handler(o, false); /* not needed here; the hand-over does not depend on it */
    return csc_init(o);
}

int main(void) {
    char dir[] = "/tmp/csc-crash-transport-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    const char *id_a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", *id_b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    /* 1. Disabled client (no DSN, no transport): the reports are promoted but stay on disk. */
    write_report(dir, "00000000000000000002-42-crash.pending", id_b);
    write_report(dir, "00000000000000000001-41-crash.pending", id_a);
    write_file(dir, "cscope-crash.marker", id_b);
    write_report(dir, "00000000000000000003-40-000000.envelope",
                 "cccccccccccccccccccccccccccccccc"); /* ordinary cached */
    CHECK(start(dir, false) == CSC_OK, "csc_init (disabled)");
    CHECK(csc_crashed_last_run(), "the marker is seen");
    CHECK(g_count == 0, "nothing handed over without a transport: %d", g_count);
    CHECK(count_suffix(dir, "-crash.envelope") == 2 && count_suffix(dir, "-crash.pending") == 0, "promoted, kept");
    csc_close();

    /* 2. Custom transport: both crash reports, oldest first, then removed; the ordinary one stays. */
    write_file(dir, "00000000000000000004-43-crash.envelope", "not an envelope"); /* unreadable: dropped */
    CHECK(start(dir, true) == CSC_OK, "csc_init (custom transport)");
    CHECK(g_count == 2, "two crash reports handed to the transport: %d", g_count);
    CHECK(!strcmp(g_got[0], id_a) && !strcmp(g_got[1], id_b), "oldest first: %s %s", g_got[0], g_got[1]);
    CHECK(!strcmp(g_levels[0], "fatal"), "the event: level %s", g_levels[0]);
    CHECK(count_suffix(dir, "-crash.envelope") == 0 && count_suffix(dir, "-crash.pending") == 0,
          "the crash reports left the cache (the unreadable one too)");
    CHECK(exists(dir, "00000000000000000003-40-000000.envelope"),
          "an ordinary cached envelope stays for the HTTP transport");
    csc_close();

    /* 3. Once only: a new start hands over nothing more. */
    CHECK(start(dir, true) == CSC_OK, "csc_init again");
    CHECK(g_count == 2, "no report handed over twice: %d", g_count);
    CHECK(!exists(dir, "cscope-crash.marker"), "the marker was consumed");
    csc_close();

    /* 4. A report written while a client with a custom transport runs is handed over at the next start. */
    write_report(dir, "00000000000000000005-44-crash.pending", id_a);
    CHECK(start(dir, true) == CSC_OK, "csc_init after another crash");
    CHECK(g_count == 3 && !strcmp(g_got[2], id_a), "the new report: %d", g_count);
    csc_close();

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    if (failures) {
        fprintf(stderr, "test_crash_transport: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_crash_transport: all passed\n");
    return 0;
}

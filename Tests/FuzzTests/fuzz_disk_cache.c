/* Files read back from the disk cache (transport/disk_cache.c) and crash reports left by a
 * crashed run (crash/crash_pending.c: "*-crash.pending" promoted, symbolicated, handed to a
 * transport). Input: a mode byte, then the file's bytes. Whatever the file, nothing crashes,
 * every envelope that comes out serializes into headers jansson reads back, and the files are
 * consumed (a corrupt report is dropped, never left to be retried at every start). */
#include <dirent.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "crash/crash_internal.h"
#include "event/envelope_internal.h"
#include "transport/disk_cache.h"

static char dir[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/csc-fuzz-cache-XXXXXX");
    if (!mkdtemp(dir)) abort();
    return 0;
}

static void write_file(const char *name, const uint8_t *data, size_t size) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL);
    if (size) FUZZ_CHECK(fwrite(data, 1, size, f) == size);
    fclose(f);
}

static size_t files_left(void) {
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.') n++;
    if (d) closedir(d);
    return n;
}

static void handed(csc_envelope_t *env, void *ud) {
    (*(int *)ud)++;
    size_t len = 0;
    (void)fuzz_serialize_checked(env, &len);
    json_t *ev = csc_envelope_get_event(env);
    json_decref(ev);
    csc_envelope_free(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    uint8_t mode = data[0];
    data++, size--;
    if (mode & 1) {
        /* a crash report from the previous run */
        write_file("1764900000-42-crash.pending", data, size);
        csc__crash_promote_pending(dir, (mode & 2) != 0);
        int n = 0;
        csc__crash_hand_to_transport(dir, handed, &n);
        FUZZ_CHECK(n <= 1);
        FUZZ_CHECK(files_left() == 0);
    } else {
        write_file("1764900000000-0001.envelope", data, size);
        csc__cache_t *c = csc__cache_open(dir, 8, 1 << 20);
        FUZZ_CHECK(c != NULL);
        char path[4200];
        while (csc__cache_oldest(c, path, sizeof path)) {
            char *bytes = NULL;
            size_t len = 0;
            if (csc__cache_read(path, &bytes, &len) == 0) {
                csc_envelope_t *env = csc__envelope_parse(bytes, len);
                if (env) handed(env, &(int){0});
            }
            free(bytes);
            csc__cache_remove(path);
        }
        csc__cache_close(c);
        FUZZ_CHECK(files_left() == 0);
    }
    return 0;
}

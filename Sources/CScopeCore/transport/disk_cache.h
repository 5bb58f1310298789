/* Internal: the envelope disk cache. One file per serialized envelope, named
 * <20-digit µs timestamp>-<pid>-<seq>.envelope so names sort oldest first; written
 * to a ".tmp" file and renamed. Bounded in count and bytes: the oldest are evicted. */
#ifndef CSC_TRANSPORT_DISK_CACHE_H
#define CSC_TRANSPORT_DISK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CSC__CACHE_MAX_FILES 30
#define CSC__CACHE_MAX_BYTES (64u * 1024 * 1024)

typedef struct csc__cache_s csc__cache_t;

/* Called with each evicted file's bytes (to count what is lost), may be NULL. */
typedef void (*csc__cache_evict_fn)(const char *data, size_t len, void *ud);

/* Creates `dir` (mode 0700, with parents) if needed. NULL when it is unusable. */
csc__cache_t *csc__cache_open(const char *dir, size_t max_files, uint64_t max_bytes);
void csc__cache_close(csc__cache_t *c);
size_t csc__cache_max_files(const csc__cache_t *c);
/* Stores one envelope. Returns 0, or -1 when it could not be written (too big, I/O error).
 * Evicts the oldest files beyond the bounds, calling `on_evict` for each. */
int csc__cache_store(csc__cache_t *c, const char *data, size_t len, csc__cache_evict_fn on_evict, void *ud);
/* Evicts the oldest files (calling `on_evict` for each) until `files` more files of `bytes` more bytes fit:
 * what is evicted is counted before a store that must not evict anything uncounted (the last client report). */
void csc__cache_reserve(csc__cache_t *c, size_t files, uint64_t bytes, csc__cache_evict_fn on_evict, void *ud);
/* Path of the oldest cached envelope into `path`; false when there is none. */
bool csc__cache_oldest(csc__cache_t *c, char *path, size_t cap);
/* Reads a whole file (malloc'd). -1 on error. */
int csc__cache_read(const char *path, char **data, size_t *len);
void csc__cache_remove(const char *path);
/* Number of cached envelopes (for tests and diagnostics). */
size_t csc__cache_count(csc__cache_t *c);

#endif

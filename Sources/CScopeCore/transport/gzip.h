/* Internal: gzip compression of request bodies (zlib). */
#ifndef CSC_TRANSPORT_GZIP_H
#define CSC_TRANSPORT_GZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>

/* Level 3: zlib's fast matcher (levels 1-3 cost the same on envelope JSON, 3 finds the most
 * matches). Level 6 was 2.5x slower on a 20 KB event for 10% fewer bytes, and the worker's
 * CPU is what bounds events/s (Benchmarks/transport_bench.c). */
#define CSC__GZIP_LEVEL 3

/* Returns a malloc'd gzip stream of data[0..len) and its size in *out_len; NULL on failure. */
char *csc__gzip(const char *data, size_t len, size_t *out_len);

/* A reusable compressor: one deflate state and output buffer kept between calls, so a body
 * costs a deflateReset instead of a deflateInit2/deflateEnd pair (~300 KB allocated, zeroed
 * and returned to the system each time). Not thread-safe: one per worker. */
typedef struct {
    z_stream zs;
    bool ready;
    char *out;
    size_t cap;
} csc__gzipper_t;

/* Compresses data[0..len); returns the gzip stream in the compressor's buffer (valid until
 * the next call or csc__gzipper_free) and its size in *out_len; NULL on failure. */
const char *csc__gzipper_run(csc__gzipper_t *g, const char *data, size_t len, size_t *out_len);
void csc__gzipper_free(csc__gzipper_t *g);

#endif

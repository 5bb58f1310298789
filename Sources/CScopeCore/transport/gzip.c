#include "gzip.h"

#include <stdlib.h>
#include <string.h>

/* 15 + 16: zlib's gzip wrapper. */
#define GZIP_WINDOW_BITS (15 + 16)
/* Buffers above this are not kept between bodies (a large attachment must not pin memory). */
#define KEEP_OUT_MAX (256u * 1024)

char *csc__gzip(const char *data, size_t len, size_t *out_len) {
    z_stream zs = {0};
    if (deflateInit2(&zs, CSC__GZIP_LEVEL, Z_DEFLATED, GZIP_WINDOW_BITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    uLong bound = deflateBound(&zs, (uLong)len);
    char *out = malloc(bound);
    if (!out) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

const char *csc__gzipper_run(csc__gzipper_t *g, const char *data, size_t len, size_t *out_len) {
    if (g->ready) {
        if (deflateReset(&g->zs) != Z_OK) {
            deflateEnd(&g->zs);
            g->ready = false;
        }
    }
    if (!g->ready) {
        memset(&g->zs, 0, sizeof g->zs);
        if (deflateInit2(&g->zs, CSC__GZIP_LEVEL, Z_DEFLATED, GZIP_WINDOW_BITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return NULL;
        g->ready = true;
    }
    size_t bound = deflateBound(&g->zs, (uLong)len);
    if (bound > g->cap || (g->cap > KEEP_OUT_MAX && bound <= KEEP_OUT_MAX)) {
        free(g->out);
        g->cap = bound > KEEP_OUT_MAX ? bound : KEEP_OUT_MAX / 4 > bound ? KEEP_OUT_MAX / 4 : bound;
        g->out = malloc(g->cap);
        if (!g->out) {
            g->cap = 0;
            return NULL;
        }
    }
    g->zs.next_in = (Bytef *)data;
    g->zs.avail_in = (uInt)len;
    g->zs.next_out = (Bytef *)g->out;
    g->zs.avail_out = (uInt)g->cap;
    int rc = deflate(&g->zs, Z_FINISH);
    if (rc != Z_STREAM_END) return NULL;
    *out_len = g->zs.total_out;
    return g->out;
}

void csc__gzipper_free(csc__gzipper_t *g) {
    if (g->ready) deflateEnd(&g->zs);
    free(g->out);
    memset(g, 0, sizeof *g);
}

#include "gzip.h"

#include <stdlib.h>
#include <zlib.h>

char *csc__gzip(const char *data, size_t len, size_t *out_len) {
    z_stream zs = {0};
    /* 15 + 16: zlib's gzip wrapper; level 6 balances CPU and size for JSON. */
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    uLong bound = deflateBound(&zs, (uLong)len);
    char *out = malloc(bound);
    if (!out) { deflateEnd(&zs); return NULL; }
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) { free(out); return NULL; }
    return out;
}
